package org.marginkernels.gpu;

import java.io.PrintStream;
import java.util.Map;
import java.util.Random;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.RowCheck;

/**
 * The correctness half of {@link GpuCheck}: every catalogue loss on a few shapes (batch 1, primes, dims around the
 * tile, several class chunks), compared with the double-precision reference; plus cosine logits and top-k. The
 * tolerance is the unit tests' 1e-4 (relative to max(1, |L|) for the loss, to the largest reference component for
 * gradients).
 */
final class GpuCrossCheck {

    static final double TOLERANCE = 1e-4;
    private static final int[][] SHAPES = {{1, 7, 3}, {5, 37, 9}, {13, 1031, 16}, {31, 97, 17}, {64, 5003, 128}};

    private final Backend reference;
    private final PrintStream csv;

    /** Writes one CSV row per comparison to {@code csv} (header included). */
    GpuCrossCheck(Backend reference, PrintStream csv) {
        this.reference = reference;
        this.csv = csv;
        csv.println("backend,check,batch,classes,dim,loss_error,dx_error,dw_error,status");
    }

    /** Runs every comparison on {@code gpu}; returns the number of failures. */
    int run(Backend gpu) {
        int failures = 0;
        for (int[] s : SHAPES) {
            Random r = new Random(31L * s[0] + s[1]);
            int batch = s[0];
            int classes = s[1];
            int dim = s[2];
            float[] x = gaussian(r, batch * dim);
            float[] w = gaussian(r, classes * dim);
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = r.nextInt(classes);
            }
            for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
                MarginSoftmax loss = e.getValue();
                if (!farFromKinks(loss, x, w, y, dim)) {
                    csv.printf("%s,%s,%d,%d,%d,,,,skipped (cosine within 1e-5 of a branch)%n", gpu.name(), e.getKey(),
                            batch, classes, dim);
                    continue;
                }
                float[] wk = subCenters(w, dim, loss.subCenters());
                float[] gx = new float[x.length];
                float[] gw = new float[wk.length];
                float[] rx = new float[x.length];
                float[] rw = new float[wk.length];
                LossResult got = gpu.forwardBackward(loss, x, wk, y, dim, gx, gw);
                LossResult want = reference.forwardBackward(loss, x, wk, y, dim, rx, rw);
                double el = Math.abs(got.loss() - want.loss()) / Math.max(1, Math.abs(want.loss()));
                double ex = relativeError(gx, rx);
                double ew = relativeError(gw, rw);
                boolean ok = el <= TOLERANCE && ex <= TOLERANCE && ew <= TOLERANCE;
                failures += ok ? 0 : 1;
                csv.printf("%s,%s,%d,%d,%d,%.3e,%.3e,%.3e,%s%n", gpu.name(), e.getKey(), batch, classes, dim, el, ex,
                        ew, ok ? "ok" : "FAIL");
            }
            float[] cos = new float[batch * classes];
            float[] rcos = new float[batch * classes];
            gpu.cosineLogits(x, w, dim, cos);
            reference.cosineLogits(x, w, dim, rcos);
            double ec = relativeError(cos, rcos);
            failures += ec <= TOLERANCE ? 0 : 1;
            csv.printf("%s,cosineLogits,%d,%d,%d,%.3e,,,%s%n", gpu.name(), batch, classes, dim, ec,
                    ec <= TOLERANCE ? "ok" : "FAIL");
            int k = Math.min(5, classes);
            int[] idx = new int[batch * k];
            float[] scores = new float[batch * k];
            int[] ridx = new int[batch * k];
            float[] rscores = new float[batch * k];
            gpu.topK(x, w, dim, k, idx, scores);
            reference.topK(x, w, dim, k, ridx, rscores);
            double et = relativeError(scores, rscores);
            failures += et <= TOLERANCE ? 0 : 1;
            csv.printf("%s,topK,%d,%d,%d,%.3e,,,%s%n", gpu.name(), batch, classes, dim, et,
                    et <= TOLERANCE ? "ok" : "FAIL");
        }
        return failures;
    }

    /**
     * K sub-centers per class row: the row scaled by 1, 2, 4, ... (powers of two normalize to the same bits, so the
     * class cosines are those of the plain problem and the nearest sub-center, a tie, is the first on every backend).
     */
    private static float[] subCenters(float[] w, int dim, int k) {
        float[] out = new float[w.length * k];
        for (int c = 0; c < w.length / dim; c++) {
            for (int s = 0; s < k; s++) {
                for (int t = 0; t < dim; t++) {
                    out[(c * k + s) * dim + t] = Math.scalb(w[c * dim + t], s);
                }
            }
        }
        return out;
    }

    private boolean farFromKinks(MarginSoftmax loss, float[] x, float[] w, int[] y, int dim) {
        int classes = w.length / dim;
        float[] cos = new float[y.length * classes];
        reference.cosineLogits(x, w, dim, cos);
        KernelSpec spec = loss.spec();
        for (int i = 0; i < y.length; i++) {
            double cy = cos[i * classes + y[i]];
            double norm = Math.sqrt(RowCheck.sumOfSquares(x, i * dim, dim));
            double fy = spec.target(cy, norm, 0);
            if (rough(c -> spec.target(c, norm, 0), cy) || rough(c -> spec.targetGradient(c, norm, 0), cy)) {
                return false;
            }
            for (int j = 0; j < classes; j++) {
                double c = cos[i * classes + j];
                if (j != y[i] && (rough(v -> spec.negative(v, fy), c) || rough(v -> spec.negativeGradient(v, fy), c))) {
                    return false;
                }
            }
        }
        return true;
    }

    // a jump or kink within 1e-5: the second difference of a smooth function is about f'' 1e-10
    private static boolean rough(java.util.function.DoubleUnaryOperator f, double c) {
        double d = 1e-5;
        return Math.abs(f.applyAsDouble(c + d) - 2 * f.applyAsDouble(c) + f.applyAsDouble(c - d)) > 1e-6;
    }

    private static double relativeError(float[] got, float[] want) {
        double diff = 0;
        double scale = 1e-6;
        for (int i = 0; i < got.length; i++) {
            diff = Math.max(diff, Math.abs((double) got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return diff / scale;
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
