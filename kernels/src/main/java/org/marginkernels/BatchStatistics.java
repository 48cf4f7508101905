package org.marginkernels;

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
