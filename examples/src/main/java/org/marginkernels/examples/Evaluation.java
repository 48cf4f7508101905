package org.marginkernels.examples;

import java.util.SplittableRandom;
import org.marginkernels.Backend;

/** The open-set evaluation of a trained model: verification on held-out classes and closed-set identification. */
public final class Evaluation {

    /** LFW's fold count. */
    public static final int FOLDS = 10;

    private Evaluation() {
    }

    /**
     * Verification results: 10-fold accuracy, TAR at each of {@link TrainingReport#FARS} (NaN where there are too
     * few impostor pairs), the pair scores, and 1:N identification on the same held-out classes.
     */
    public record Verification(VerificationMetrics.FoldAccuracy accuracy, double[] tarAtFar, float[] genuineScores,
            float[] impostorScores, Identification identification) {
    }

    /**
     * Embeds the held-out samples, draws balanced pairs, scores them with {@link Backend#pairCosines} and measures
     * accuracy (threshold chosen by 10-fold cross-validation on the pairs) and TAR at FAR = 1e-3 and 1e-4, then
     * runs 1:N identification over the same embeddings.
     *
     * @param model the trained model. Its forward cache is overwritten.
     * @param heldOut samples of classes never trained on. Not modified.
     * @param threads threads of the 1:N search; 0 means all processors
     */
    public static Verification verify(Backend backend, Mlp model, Dataset heldOut, int pairsPerKind, long seed,
            int threads) {
        int dim = model.outputDim();
        float[] emb = Embedder.embed(model, heldOut);
        VerificationPairs pairs = VerificationPairs.draw(heldOut.labels(), heldOut.classes(), pairsPerKind,
                new SplittableRandom(seed));
        float[] scores = new float[pairs.size()];
        backend.pairCosines(Embedder.gather(emb, dim, pairs.left()), Embedder.gather(emb, dim, pairs.right()), dim,
                scores);
        boolean[] genuine = pairs.genuine();
        int impostors = pairs.impostors();
        float[] gen = new float[pairs.size() - impostors];
        float[] imp = new float[impostors];
        int g = 0;
        int i = 0;
        for (int p = 0; p < scores.length; p++) {
            if (genuine[p]) {
                gen[g++] = scores[p];
            } else {
                imp[i++] = scores[p];
            }
        }
        double[] tar = new double[TrainingReport.FARS.length];
        for (int f = 0; f < tar.length; f++) {
            tar[f] = VerificationMetrics.tarAtFar(scores, genuine, TrainingReport.FARS[f]);
        }
        Identification identification = Identification.evaluate(threads, emb, heldOut.labels(), heldOut.classes(),
                dim);
        return new Verification(VerificationMetrics.kFoldAccuracy(scores, genuine, FOLDS), tar, gen, imp,
                identification);
    }

    /**
     * Top-1 closed-set accuracy: the fraction of samples whose predicted class (the nearest class weight by cosine,
     * {@code Trainer}) is their own.
     *
     * @param predicted one class per sample. Not modified.
     * @param labels one per sample. Not modified.
     */
    public static double accuracy(int[] predicted, int[] labels) {
        int right = 0;
        for (int r = 0; r < labels.length; r++) {
            right += predicted[r] == labels[r] ? 1 : 0;
        }
        return (double) right / labels.length;
    }
}
