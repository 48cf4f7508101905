package org.marginkernels.examples;

import java.io.PrintStream;
import java.util.Locale;

/** Prints the closing summary of a run. */
public final class ReportPrinter {

    private ReportPrinter() {
    }

    /**
     * The final metrics and the margin-head throughput line.
     *
     * @param wallSeconds the whole run, data loading and evaluation included
     */
    public static void print(TrainingReport r, OpenSetSplit split, int batch, int dim, double wallSeconds,
            PrintStream out) {
        double[] losses = r.epochLosses();
        out.printf(Locale.ROOT, "loss: %.4f (first epoch) -> %.4f (last epoch); train acc %.1f%%%n", losses[0],
                losses[losses.length - 1], 100 * r.epochTrainAccuracy()[losses.length - 1]);
        out.printf(Locale.ROOT, "verification (%d unseen classes, %d genuine + %d impostor pairs, cosine,"
                + " threshold by %d-fold cross-validation): accuracy %.2f%% +- %.2f%% at t = %.3f%n",
                split.verification().classes(), r.genuineScores().length, r.impostorScores().length,
                Evaluation.FOLDS, 100 * r.verification().mean(), 100 * r.verification().std(),
                r.verification().threshold());
        for (int f = 0; f < TrainingReport.FARS.length; f++) {
            double far = TrainingReport.FARS[f];
            if (Double.isNaN(r.tarAtFar()[f])) {
                out.printf(Locale.ROOT, "TAR@FAR=%.0e: n/a (needs >= %d impostor pairs, have %d)%n", far,
                        (int) Math.ceil(1 / far), r.impostorScores().length);
            } else {
                out.printf(Locale.ROOT, "TAR@FAR=%.0e: %.2f%%%n", far, 100 * r.tarAtFar()[f]);
            }
        }
        Identification id = r.identification();
        out.printf(Locale.ROOT, "1:N identification (%d unseen classes enrolled with one sample each, %d probes):"
                + " rank-1 %.2f%%, rank-%d %.2f%%%n", id.galleryClasses(), id.probes(), 100 * id.rank1(),
                Identification.RANKS, 100 * id.rank5());
        out.printf(Locale.ROOT, "closed-set top-1 accuracy (%d held-out samples of %d training classes, nearest class"
                + " weight): %.2f%%%n", split.closedSetTest().size(), split.train().classes(),
                100 * r.closedSetAccuracy());
        String warm = r.warmHeadSteps() == 0 ? "" : String.format(Locale.ROOT,
                " (after the first epoch: %.3f ms/step, %.2f GFLOP/s)", r.warmHeadMillisPerStep(),
                r.warmHeadGflops());
        out.printf(Locale.ROOT, "margin head [%s]: %d steps, %.3f ms/step, %.2f GFLOP/s%s (6*B*C*D, B=%d C=%d"
                + " D=%d), %.0f%% of the training loop; training %,.0f samples/s; wall %.1f s%n", r.backend(),
                r.headSteps(), r.headMillisPerStep(), r.headGflops(), warm, batch, split.train().classes(), dim,
                100.0 * r.headNanos() / r.trainNanos(), r.samplesPerSecond(), wallSeconds);
    }
}
