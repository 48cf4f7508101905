package org.marginkernels.examples;

import java.util.Arrays;

/**
 * Verification metrics over pair scores (cosine similarities; a pair is accepted as genuine when score &gt; t).
 */
public final class VerificationMetrics {

    private VerificationMetrics() {
    }

    /** Mean and standard deviation of the per-fold accuracy, and the mean chosen threshold. */
    public record FoldAccuracy(double mean, double std, double threshold) {
    }

    /**
     * The LFW protocol: split the pairs into {@code folds} contiguous folds; for each, choose the threshold that
     * maximizes accuracy on the other folds and measure accuracy on it.
     *
     * @param scores one per pair. Not modified.
     * @param genuine the truth per pair. Not modified.
     * @param folds at least 2 and at most the pair count
     */
    public static FoldAccuracy kFoldAccuracy(float[] scores, boolean[] genuine, int folds) {
        int n = scores.length;
        if (folds < 2 || folds > n || genuine.length != n) {
            throw new IllegalArgumentException("need 2 <= folds <= pairs and one truth per score, got folds=" + folds
                    + ", scores=" + n + ", genuine=" + genuine.length);
        }
        double[] acc = new double[folds];
        double thresholdSum = 0;
        for (int f = 0; f < folds; f++) {
            int from = (int) ((long) n * f / folds);
            int to = (int) ((long) n * (f + 1) / folds);
            float[] fitScores = new float[n - (to - from)];
            boolean[] fitTruth = new boolean[fitScores.length];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (i < from || i >= to) {
                    fitScores[k] = scores[i];
                    fitTruth[k++] = genuine[i];
                }
            }
            double t = bestThreshold(fitScores, fitTruth);
            thresholdSum += t;
            acc[f] = accuracy(Arrays.copyOfRange(scores, from, to), Arrays.copyOfRange(genuine, from, to), t);
        }
        double mean = Arrays.stream(acc).average().orElseThrow();
        double var = Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum() / folds;
        return new FoldAccuracy(mean, Math.sqrt(var), thresholdSum / folds);
    }

    /** The fraction of pairs classified right with threshold t: genuine and score &gt; t, or impostor and not. */
    public static double accuracy(float[] scores, boolean[] genuine, double t) {
        int right = 0;
        for (int i = 0; i < scores.length; i++) {
            right += (scores[i] > t) == genuine[i] ? 1 : 0;
        }
        return (double) right / scores.length;
    }

    /**
     * The threshold of highest accuracy: a midpoint between consecutive distinct sorted scores (or below / above all
     * of them), found in one sweep over the sorted scores.
     */
    public static double bestThreshold(float[] scores, boolean[] genuine) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        int genuineTotal = 0;
        for (boolean g : genuine) {
            genuineTotal += g ? 1 : 0;
        }
        // threshold below everything: every pair accepted, right = genuine count
        int right = genuineTotal;
        int bestRight = right;
        double best = n == 0 ? 0 : scores[order[0]] - 1e-6;
        for (int r = 0; r < n; r++) {
            // moving the threshold above order[r] rejects it
            right += genuine[order[r]] ? -1 : 1;
            boolean boundary = r + 1 == n || scores[order[r + 1]] > scores[order[r]];
            if (boundary && right > bestRight) {
                bestRight = right;
                best = r + 1 == n ? scores[order[r]] + 1e-6 : 0.5 * (scores[order[r]] + scores[order[r + 1]]);
            }
        }
        return best;
    }

    /**
     * The true accept rate at a false accept rate: the threshold t is the impostor score with floor(far x impostors)
     * impostors above it, and TAR the fraction of genuine scores above t. NaN when there are fewer than 1 / far
     * impostor pairs (the rate would not be resolved).
     *
     * @param far the false accept rate, in (0, 1)
     */
    public static double tarAtFar(float[] scores, boolean[] genuine, double far) {
        if (!(far > 0 && far < 1)) {
            throw new IllegalArgumentException("far must be in (0, 1), got " + far);
        }
        int impostors = 0;
        for (boolean g : genuine) {
            impostors += g ? 0 : 1;
        }
        if (impostors < Math.ceil(1 / far) || impostors == scores.length) {
            return Double.NaN;
        }
        float[] imp = new float[impostors];
        int k = 0;
        int genuineCount = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!genuine[i]) {
                imp[k++] = scores[i];
            } else {
                genuineCount++;
            }
        }
        Arrays.sort(imp);
        int allowed = (int) Math.floor(far * impostors);
        float t = imp[impostors - 1 - allowed];
        int accepted = 0;
        for (int i = 0; i < scores.length; i++) {
            accepted += genuine[i] && scores[i] > t ? 1 : 0;
        }
        return (double) accepted / genuineCount;
    }
}
