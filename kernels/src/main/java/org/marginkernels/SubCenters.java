package org.marginkernels;

import java.util.Arrays;

/**
 * The dataset-cleaning query of Sub-center ArcFace (Deng et al., ECCV 2020, Sec. 3.2; insightface
 * recognition/subcenter_arcface/drop.py): after training with K sub-centers per class, each class's dominant
 * sub-center is the one that most of its samples are nearest to, and samples far from it are likely noise. Computed
 * in double on the host, O(batch x K x dim); the loss itself is {@link MarginSoftmax.Builder#subCenters}.
 */
public final class SubCenters {

    /** The paper's drop threshold: samples at 75 degrees or more from their dominant sub-center. */
    public static final double DROP_DEGREES = 75;

    private SubCenters() {
    }

    /**
     * The rows whose angle to their class's dominant sub-center is at least {@code thresholdDegrees}, in increasing
     * order. A class's dominant sub-center is the k that most of the class's rows in this set are nearest to (each
     * row's nearest: the largest cosine, ties the lowest k; the most rows, ties the lowest k), as drop.py counts
     * K_stat. A row is kept when cos(x_i, w_(y_i, dominant)) &gt; cos(threshold), as drop.py keeps it, so a row
     * exactly at the threshold is returned.
     *
     * @param features raw rows, batch x dim, finite, norms in [1e-15, 2^126]. Not modified.
     * @param weights raw sub-centers, classes x subCenters x dim (class c's at rows c K .. c K + K - 1), finite,
     *     norms in [1e-15, 2^126]. Not modified.
     * @param labels class per row in [0, classes), or a negative label: the row is not counted nor returned. Not
     *     modified.
     * @param subCenters K, in [1, {@link MarginSoftmax#MAX_SUB_CENTERS}]
     * @param thresholdDegrees the angle in [0, 180], {@link #DROP_DEGREES} in the paper
     * @return the row indices to drop, ascending
     * @throws IllegalArgumentException naming the argument on a bad shape, label, value or threshold
     */
    public static int[] dropCandidates(float[] features, float[] weights, int[] labels, int dim, int subCenters,
            double thresholdDegrees) {
        Checks.positive("dim", dim);
        if (subCenters < 1 || subCenters > MarginSoftmax.MAX_SUB_CENTERS) {
            throw new IllegalArgumentException("subCenters must be in [1, " + MarginSoftmax.MAX_SUB_CENTERS
                    + "], got " + subCenters);
        }
        if (!(thresholdDegrees >= 0 && thresholdDegrees <= 180)) {
            throw new IllegalArgumentException("thresholdDegrees must be in [0, 180], got " + thresholdDegrees);
        }
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.subCenterRows("weights", weights, dim, subCenters);
        Checks.required("labels", labels, batch, "one per features row");
        for (int i = 0; i < batch; i++) {
            if (labels[i] >= classes) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classes
                        + ") or negative, got " + labels[i]);
            }
        }
        Checks.finiteRowsWithNorm("features", features, dim);
        Checks.finiteRowsWithNorm("weights", weights, dim);

        // each row's nearest sub-center of its class, and the per-class counts (drop.py's K_stat)
        double[][] cos = new double[batch][];
        int[] counts = new int[classes * subCenters];
        for (int i = 0; i < batch; i++) {
            int y = labels[i];
            if (y < 0) {
                continue;
            }
            cos[i] = new double[subCenters];
            int nearest = 0;
            for (int k = 0; k < subCenters; k++) {
                cos[i][k] = cosine(features, i, weights, y * subCenters + k, dim);
                nearest = cos[i][k] > cos[i][nearest] ? k : nearest;
            }
            counts[y * subCenters + nearest]++;
        }
        double keepAbove = Math.cos(Math.toRadians(thresholdDegrees));
        int[] drop = new int[batch];
        int n = 0;
        for (int i = 0; i < batch; i++) {
            int y = labels[i];
            if (y < 0) {
                continue;
            }
            int dominant = 0;
            for (int k = 1; k < subCenters; k++) {
                dominant = counts[y * subCenters + k] > counts[y * subCenters + dominant] ? k : dominant;
            }
            if (!(cos[i][dominant] > keepAbove)) {
                drop[n++] = i;
            }
        }
        return Arrays.copyOf(drop, n);
    }

    /** x^_i . w^_r in double. */
    private static double cosine(float[] x, int i, float[] w, int r, int dim) {
        double dot = 0;
        double xx = 0;
        double ww = 0;
        for (int k = 0; k < dim; k++) {
            double a = x[i * dim + k];
            double b = w[r * dim + k];
            dot += a * b;
            xx += a * a;
            ww += b * b;
        }
        return dot / (Math.sqrt(xx) * Math.sqrt(ww));
    }
}
