package org.marginkernels;

import java.util.OptionalDouble;

import java.util.Arrays;

/**
 * The dynamic AdaCos scale (Zhang et al., CVPR 2019, eq. 16) from per-row statistics that any backend can gather in
 * its forward pass: for each counted row, lse_i = log sum_{k != y_i} exp(s_prev c_ik) and the target cosine c_iy.
 */
public final class AdaCosScale {

    /** Reads c_ij from a materialized cosine matrix. */
    @FunctionalInterface
    public interface CosineMatrix {
        double get(int row, int column);
    }

    private AdaCosScale() {
    }

    /**
     * The scale the loss uses for a batch given its (unmargined) cosine matrix: the fixed scale, the fixed AdaCos
     * scale, or the dynamic AdaCos scale of {@link #compute} from per-row statistics at s_prev.
     *
     * @param loss the loss. Not modified.
     * @param labels class per row or the ignore label. Not modified.
     * @param classes the column count of the matrix
     * @param cos the cosines
     */
    public static double resolve(MarginSoftmax loss, int[] labels, int classes, CosineMatrix cos) {
        OptionalDouble fixed = loss.fixedScale(classes);
        if (fixed.isPresent()) {
            return fixed.getAsDouble();
        }
        double previous = loss.adaCosPreviousScale(classes);
        double[] lse = new double[labels.length];
        double[] target = new double[labels.length];
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = j == y ? max : Math.max(max, previous * cos.get(i, j));
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += j == y ? 0 : Math.exp(previous * cos.get(i, j) - max);
            }
            lse[n] = max + Math.log(sum);
            target[n++] = cos.get(i, y);
        }
        return compute(previous, lse, target, n);
    }

    /**
     * s = log(B_avg) / cos(min(pi/4, theta_med)), with log(B_avg) = logsumexp_i(lse_i) - log(n) and theta_med the
     * lower median of acos(c_iy) over the n counted rows. Returns {@code previous} when n = 0 or log(B_avg) &lt;= 0,
     * and {@link ScalePolicy#MAX_SCALE} when s would exceed it (each step can multiply s by up to sqrt(2) when the
     * non-target cosines are near 1, so an unclamped run could leave every float range).
     *
     * @param previous s_prev, the scale the statistics were computed with
     * @param nonTargetLse lse_i per counted row. Not modified.
     * @param targetCosines c_iy per counted row. Not modified.
     * @param n how many leading entries of both arrays are counted rows
     * @return the scale for this step
     */
    public static double compute(double previous, double[] nonTargetLse, double[] targetCosines, int n) {
        if (n == 0) {
            return previous;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, nonTargetLse[i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return previous;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(nonTargetLse[i] - max);
        }
        double logBAvg = max + Math.log(sum) - Math.log(n);
        double[] angles = new double[n];
        for (int i = 0; i < n; i++) {
            double c = Math.min(Math.max(targetCosines[i], -1 + Margins.COSINE_EPSILON), 1 - Margins.COSINE_EPSILON);
            angles[i] = Math.acos(c);
        }
        Arrays.sort(angles);
        double median = angles[(n - 1) / 2];
        double s = logBAvg / Math.cos(Math.min(Math.PI / 4, median));
        return s > 0 && !Double.isNaN(s) ? Math.min(s, ScalePolicy.MAX_SCALE) : previous;
    }
}
