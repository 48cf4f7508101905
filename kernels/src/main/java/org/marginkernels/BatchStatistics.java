package org.marginkernels;

import org.marginkernels.spi.RowCheck;

/**
 * What a stateful loss may learn from a batch before its forward pass: per counted row (rows whose label is not the
 * ignore label, in order) the target cosine c_iy and the feature norm |x_i|, computed once in double by the facade
 * from the raw rows, whatever the backend.
 *
 * @param targetCosines c_iy = x^_i . w^_y per counted row, clamped to [-1, 1]
 * @param featureNorms |x_i| per counted row
 * @param classes the class count C
 */
public record BatchStatistics(double[] targetCosines, double[] featureNorms, int classes) {

    /**
     * The statistics of a batch from its target weight rows only, as {@link Backend#step} computes them: c_iy =
     * max over the class's K sub-centers of (x_i . w_r) / |x_i| / |w_r| in double (|w_r| from
     * {@link RowCheck#sumOfSquares}), clamped to [-1, 1]. A caller whose weights live elsewhere (on a GPU) fetches
     * just these rows.
     *
     * @param loss the loss (its ignore label and sub-centers per class K). Not modified.
     * @param features raw features, batch x dim, already checked. Not modified.
     * @param featureNorms |x_i| per batch row, as the check computed them. Not modified.
     * @param targetRows per batch row i, the K weight rows of class labels[i] at offset i K dim, each with a norm
     *     the check accepts; rows of ignored batch rows are not read. Not modified.
     * @param labels class per row or the ignore label. Not modified.
     * @param dim the embedding dimension
     * @param classes the class count C
     */
    public static BatchStatistics ofTargetRows(MarginSoftmax loss, float[] features, double[] featureNorms,
            float[] targetRows, int[] labels, int dim, int classes) {
        int counted = 0;
        for (int y : labels) {
            counted += y == loss.ignoreLabel() ? 0 : 1;
        }
        int sub = loss.subCenters();
        double[] cosines = new double[counted];
        double[] norms = new double[counted];
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == loss.ignoreLabel()) {
                continue;
            }
            // the class cosine: the largest of its sub-centers' (one row when K = 1)
            double best = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < sub; s++) {
                int row = (i * sub + s) * dim;
                double dot = 0;
                for (int k = 0; k < dim; k++) {
                    dot += (double) features[i * dim + k] * targetRows[row + k];
                }
                double wSquares = RowCheck.sumOfSquares(targetRows, row, dim);
                best = Math.max(best, dot / featureNorms[i] / Math.sqrt(wSquares));
            }
            cosines[n] = Math.min(1, Math.max(-1, best));
            norms[n++] = featureNorms[i];
        }
        return new BatchStatistics(cosines, norms, classes);
    }

    /** How many rows were counted. */
    public int rows() {
        return targetCosines.length;
    }

    /** The mean target cosine, or {@code fallback} for a batch of no counted row. */
    public double meanTargetCosine(double fallback) {
        if (targetCosines.length == 0) {
            return fallback;
        }
        double sum = 0;
        for (double c : targetCosines) {
            sum += c;
        }
        return sum / targetCosines.length;
    }
}
