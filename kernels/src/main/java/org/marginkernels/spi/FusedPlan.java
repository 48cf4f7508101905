package org.marginkernels.spi;

import java.util.Optional;
import java.util.OptionalDouble;
import org.marginkernels.AdaCosScale;
import org.marginkernels.LossDiagnostics;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spec.KernelSpec;

/**
 * The fused (logits-free) loss, orchestrated once for every backend: target rows, then the scale (dynamic AdaCos
 * from a pass over the raw cosines), then the row merge of the non-target logits, then per-row coefficients, then
 * the backward tiles. A backend supplies {@link Tiles}, its kernels over class tiles, and nothing that knows a loss:
 * every value that depends on the loss (f(c_y), f'(c_y), df/d|x|, the scale, log p_y, F(lp) and F'(lp), the target
 * coefficient) is computed here, per row, in double, from what the tiles return.
 *
 * <p>The maths (see ARCHITECTURE.md): z_iy = s f(c_iy, |x_i|), z_ij = s g(c_ij, f_iy) for j != y_i, L = reduce_i
 * F(lp_i) with lp_i = z_iy - logsumexp_j z_ij; dL/dz_ij = G_i ([j = y_i] - p_ij) with G_i = w_i F'(lp_i) (w_i
 * the row's weight, {@link MarginSoftmax#rowWeight}: 1/N for the mean, times a sample weight), so
 * dL/dc_ij = s G_i (-p_ij) dg/dc for j != y_i and dL/dc_iy = s G_i (1 - p_iy - S_i) f'(c_iy), where
 * S_i = sum_{j != y_i} p_ij dg/df_y(c_ij, f_iy) is the path through f_y in the negatives; a margin that reads
 * |x_i| adds s G_i (1 - p_iy - S_i) df/d|x| along x^_i, and a regularizer R(|x_i|) added to each row's loss
 * (MagFace) adds w_i R(|x_i|) to L and w_i dR/d|x| along x^_i.
 *
 * <p>Label smoothing epsilon (torch's cross_entropy(label_smoothing)) makes the row loss
 * -(1 - epsilon) lp_i - (epsilon / C) sum_j log p_ij = -lp_i + epsilon (z_iy - mean_j z_ij), formed that way so no
 * log-sum-exp cancels, and dL/dz_ij = w_i (p_ij - (1 - epsilon) [j = y_i] - q) with q = epsilon / C: every p_ij of the
 * backward becomes p_ij - q ({@link Rows#q}), and the target's 1 - p_y becomes 1 - epsilon + q - p_y.
 */
public final class FusedPlan {

    /** The kernels of one call over class tiles: the backend's side of the plan. Stateful; one per call. */
    public interface Tiles {

        /**
         * c_iy per row (any value on ignored rows): bit for bit the cosine the tile kernels compute for that class, so
         * that a class tying with the target in f ties in z.
         */
        float[] targetCosines();

        /** |x_i| per row. */
        double[] featureNorms();

        /**
         * Per counted row, log sum_{j != y_i} exp(s v_ij) in double, -infinity for a row with no non-target class;
         * ignored rows are not read. v = g(c, f_y) (the identity when the loss has no negative transform), or the raw
         * cosine c when {@code fy} is null (the AdaCos statistic).
         *
         * @param s the scale, as the kernels use it
         * @param fy f(c_iy) per row rounded to float (the value every hard-negative test compares with), or null
         */
        double[] nonTargetLogSumExp(float s, float[] fy);

        /**
         * Per counted row the largest non-target g(c_ij, f_iy) of the last {@link #nonTargetLogSumExp} pass with
         * f_y (g the identity without a negative transform), unscaled; -infinity for a row without non-targets.
         */
        double[] nonTargetMax();

        /**
         * Per counted row sum_{j != y_i} g(c_ij, f_iy) in double (g the identity without a negative transform),
         * unscaled; 0 for a row without non-targets, ignored rows not read. Only called for label smoothing.
         *
         * @param fy as for {@link #nonTargetLogSumExp}
         */
        double[] nonTargetSums(float[] fy);

        /**
         * Per counted row S_i = sum_{j != y_i} (p_ij - q) dg/df_y(c_ij, f_iy), with p_ij = exp(s g_ij - lse_i) and
         * q = {@link Rows#q}; only called when dg/df_y is not identically zero.
         */
        double[] targetPathSums(Rows rows);

        /**
         * Writes dL/dfeatures and dL/dweights (either may be null) from dL/dc_ij = -s G_i (p_ij - q) dg/dc for the
         * non-targets and {@code targetGrad} for the targets, plus {@code normGrad} along x^_i.
         *
         * @param targetGrad dL/dc_iy per row, 0 on ignored rows
         * @param normGrad dL/d|x_i| per row, or null when the loss has no norm path
         */
        void backward(Rows rows, float[] targetGrad, double[] normGrad);
    }

    /**
     * The per-row results of the forward pass that the backward tiles read.
     *
     * @param s the scale as the kernels use it
     * @param fy f(c_iy) rounded to float, 0 on ignored rows
     * @param lse the row's log-sum-exp over every class, in double (0 on ignored rows)
     * @param g s G_i = s w F'(lp_i): dL/dz_ij = g ([j = y_i] - p_ij) / s, 0 on ignored rows
     * @param q the label smoothing mass epsilon / C taken from every p_ij of the backward (0 without smoothing)
     */
    public record Rows(float s, float[] fy, double[] lse, double[] g, double q) {
    }

    private FusedPlan() {
    }

    /**
     * Runs the loss through {@code tiles}.
     *
     * @param loss the loss. Not modified.
     * @param labels class per row or the ignore label. Not modified.
     * @param classes the class count
     * @param backward whether {@link Tiles#backward} runs
     * @return the reduced loss, the scale used and the counted rows
     */
    public static LossResult run(MarginSoftmax loss, int[] labels, int classes, Tiles tiles, boolean backward) {
        KernelSpec spec = loss.spec();
        int batch = labels.length;
        int ignore = loss.ignoreLabel();
        LossResult.Reducer reducer = new LossResult.Reducer(loss, labels);
        int counted = reducer.counted();

        // target rows: f(c_y, |x|, m_i) rounded once to float, f'(c_y) and df/d|x| in double
        float[] cy = tiles.targetCosines();
        double[] norms = tiles.featureNorms();
        float[] fy = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != ignore) {
                fy[i] = (float) spec.target(cy[i], norms[i], loss.rowMargin(i));
            }
        }

        // the scale: fixed, or dynamic AdaCos from the raw non-target cosines at the previous scale
        OptionalDouble fixed = loss.fixedScale(classes);
        double scale;
        if (fixed.isPresent()) {
            scale = fixed.getAsDouble();
        } else {
            double previous = loss.adaCosPreviousScale(classes);
            double[] lse = tiles.nonTargetLogSumExp((float) previous, null);
            double[] stats = new double[counted];
            double[] targets = new double[counted];
            int n = 0;
            for (int i = 0; i < batch; i++) {
                if (labels[i] != ignore) {
                    stats[n] = lse[i];
                    targets[n++] = cy[i];
                }
            }
            scale = AdaCosScale.compute(previous, stats, targets, n);
        }
        float s = (float) scale;

        // the row merge: log p_y from the target logit and the non-target log-sum-exp, without z_y - lse cancelling
        double[] nonTarget = tiles.nonTargetLogSumExp(s, fy);
        double[] lse = new double[batch];
        double[] g = new double[batch];
        double[] notTarget = new double[batch];
        LossDiagnostics.Builder diagnostics = new LossDiagnostics.Builder(loss, classes, scale);
        double[] nonTargetMax = tiles.nonTargetMax();
        double smoothing = loss.labelSmoothing();
        double[] sums = smoothing == 0 ? null : tiles.nonTargetSums(fy);
        double q = smoothing / classes;
        for (int i = 0; i < batch; i++) {
            if (labels[i] == ignore) {
                continue;
            }
            // exact, like the kernels' non-target logits s g(c_j): a class that ties with the target in f ties in z
            double zy = (double) s * fy[i];
            double lp = RowLogProb.ofLogSumExp(zy, nonTarget[i]);
            lse[i] = RowLogProb.logSumExp(zy, nonTarget[i]);
            double smoothed = sums == null ? 0 : smoothing * (zy - s * (fy[i] + sums[i]) / classes);
            reducer.add(i, spec.rowLoss(lp) + smoothed + spec.regularizer(norms[i]));
            g[i] = reducer.weight(i) * s * spec.rowLossGradient(lp);
            notTarget[i] = -Math.expm1(lp) - smoothing + q;
            diagnostics.row(cy[i], lp, lse[i], (float) cy[i] > (float) nonTargetMax[i]);
        }
        LossResult result = reducer.result(scale, Optional.of(diagnostics.build()));
        if (!backward) {
            return result;
        }

        // per-row coefficients: dL/dc_iy through the target logit and through f_y in the negatives, and the norm path
        Rows rows = new Rows(s, fy, lse, g, q);
        double[] path = spec.negativeIgnoresTarget() ? null : tiles.targetPathSums(rows);
        float[] targetGrad = new float[batch];
        double[] normGrad = spec.hasNormPath() ? new double[batch] : null;
        for (int i = 0; i < batch; i++) {
            if (labels[i] == ignore) {
                continue;
            }
            double through = g[i] * (notTarget[i] - (path == null ? 0 : path[i]));
            targetGrad[i] = (float) (through * spec.targetGradient(cy[i], norms[i], loss.rowMargin(i)));
            if (normGrad != null) {
                normGrad[i] = through * spec.targetNormGradient(cy[i], norms[i], loss.rowMargin(i))
                        + reducer.weight(i) * spec.regularizerGradient(norms[i]);
            }
        }
        tiles.backward(rows, targetGrad, normGrad);
        return result;
    }
}
