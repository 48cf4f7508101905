package org.marginkernels;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What one step's forward pass says about training, computed from per-row values the pass has anyway (no extra
 * pass): the target angles, the share of targets past the margin's main branch, the largest row log-sum-exp and the
 * smallest target log-probability, and warnings that name a remedy when a setting cannot train.
 *
 * @param meanTargetAngle mean of acos(c_iy) over counted rows, radians (0 without counted rows)
 * @param targetAngleSpread their standard deviation (0 for fewer than two rows)
 * @param branchShare the share of counted targets at or below the margin's {@link Margin#branchThreshold()} (0 for a
 *     margin without one)
 * @param largestRowLogSumExp the largest log sum_j exp(z_ij) over counted rows: within log C above the largest
 *     logit, and what a float softmax must not overflow
 * @param smallestLogTargetProbability min_i log p_iy over counted rows (0 without counted rows)
 * @param top1Accuracy the share of counted rows whose target cosine beats every non-target one (the Caffe Accuracy
 *     layer on the cosine logits; with a negative transform, every transformed non-target g(c, f_y)); ties count
 *     as misses; 0 without counted rows
 * @param warnings one sentence each, naming the remedy; empty when nothing is wrong
 */
public record LossDiagnostics(double meanTargetAngle, double targetAngleSpread, double branchShare,
        double largestRowLogSumExp, double smallestLogTargetProbability, double top1Accuracy,
        List<String> warnings) {

    /**
     * log of the smallest normal float, -87.3365: a float softmax whose target probability falls below it returns
     * -log(FLT_MIN) = 87.3365, the plateau Caffe users see, and no gradient.
     */
    public static final double FLOAT_LOG_MIN = Math.log(Float.MIN_NORMAL);
    /** The target probability P of the AdaCos bound (Zhang et al., CVPR 2019, eq. 9): 0.9. */
    public static final double ADACOS_TARGET_PROBABILITY = 0.9;

    public LossDiagnostics {
        warnings = List.copyOf(warnings);
    }

    /**
     * The smallest scale with which a loss over C classes can reach target probability P at all: the AdaCos bound
     * s &gt;= (C - 1)/C log((C - 1) P / (1 - P)) (Zhang et al., CVPR 2019, eq. 9) with P = 0.9.
     */
    public static double adaCosBound(int classes) {
        double p = ADACOS_TARGET_PROBABILITY;
        return (classes - 1.0) / classes * Math.log((classes - 1.0) * p / (1 - p));
    }

    /** Collects the diagnostics row by row. */
    public static final class Builder {
        private final MarginSoftmax loss;
        private final int classes;
        private final double scale;
        private final OptionalDouble threshold;
        private int rows;
        private int beyond;
        private double angleSum;
        private double angleSquares;
        private double largest = Double.NEGATIVE_INFINITY;
        private double smallest = 0;
        private int correct;

        /**
         * @param loss the loss of the step. Not modified.
         * @param classes the class count
         * @param scale the scale the step used
         */
        public Builder(MarginSoftmax loss, int classes, double scale) {
            this.loss = loss;
            this.classes = classes;
            this.scale = scale;
            this.threshold = loss.margin().branchThreshold();
        }

        /**
         * One counted row: its target cosine, log p_y, the row's log-sum-exp, and whether the target cosine is the
         * row's largest.
         */
        public void row(double targetCosine, double logProb, double rowLogSumExp, boolean top1) {
            rows++;
            correct += top1 ? 1 : 0;
            double angle = Math.acos(Math.max(-1, Math.min(1, targetCosine)));
            angleSum += angle;
            angleSquares += angle * angle;
            // decided on floats, as the margin's own branch is
            if (threshold.isPresent() && (float) targetCosine <= (float) threshold.getAsDouble()) {
                beyond++;
            }
            largest = Math.max(largest, rowLogSumExp);
            smallest = Math.min(smallest, logProb);
        }

        /** The diagnostics of the rows seen. */
        public LossDiagnostics build() {
            double mean = rows == 0 ? 0 : angleSum / rows;
            double spread = rows < 2 ? 0 : Math.sqrt(Math.max(0, (angleSquares - rows * mean * mean) / (rows - 1)));
            double share = rows == 0 ? 0 : (double) beyond / rows;
            List<String> warnings = new ArrayList<>();
            if (loss.scalePolicy() instanceof ScalePolicy.Fixed && classes >= 2 && scale < adaCosBound(classes)) {
                warnings.add(String.format(java.util.Locale.ROOT, "scale s = %.3g is below the AdaCos bound %.3g "
                        + "for %d classes: no target probability can reach %.1f; raise s or use "
                        + "ScalePolicy.adaCosFixed()", scale, adaCosBound(classes), classes,
                        ADACOS_TARGET_PROBABILITY));
            }
            if (rows > 0 && beyond == rows) {
                warnings.add(String.format(java.util.Locale.ROOT, "every target cosine is at or below %.4f, where "
                        + "the margin %s leaves its main branch (theta + m past pi): the margin is too large for "
                        + "these embeddings (typical with few classes or at the start); lower m or warm it up from "
                        + "0, or use arcface, whose fallback keeps the target logit monotonic",
                        threshold.orElse(Double.NaN), loss.margin().name()));
            }
            if (rows > 0 && smallest < FLOAT_LOG_MIN) {
                warnings.add(String.format(java.util.Locale.ROOT, "a target probability is e^%.4g, below the "
                        + "smallest float: a float softmax would report loss 87.3365 (Caffe's plateau) with no "
                        + "gradient; this library keeps log p, but s = %.3g is too large for these logits: lower s "
                        + "or start from a smaller margin", smallest, scale));
            }
            return new LossDiagnostics(mean, spread, share, rows == 0 ? 0 : largest, smallest,
                    rows == 0 ? 0 : (double) correct / rows, warnings);
        }
    }
}
