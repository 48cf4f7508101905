package org.marginkernels.reference;

import org.marginkernels.LossDiagnostics;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.RowLogProb;

/**
 * The reference computation, one readable step per method, all in double precision on materialized matrices.
 * Each method is the textbook formula of one layer; {@link ReferenceBackend} composes them.
 */
final class ReferenceMath {

    private ReferenceMath() {
    }

    /** Row L2 norms |x_i| and normalized rows x_i / |x_i|. */
    static double[] normalize(double[] x, int dim, double[] norms) {
        double[] out = new double[x.length];
        for (int r = 0; r < norms.length; r++) {
            double sum = 0;
            for (int k = 0; k < dim; k++) {
                sum += x[r * dim + k] * x[r * dim + k];
            }
            norms[r] = Math.sqrt(sum);
            for (int k = 0; k < dim; k++) {
                out[r * dim + k] = x[r * dim + k] / norms[r];
            }
        }
        return out;
    }

    /** dx_i = (g_i - (g_i . y_i) y_i) / |x_i|: the Jacobian of x / |x| applied to g. */
    static double[] normalizeBackward(double[] y, double[] norms, double[] g, int dim) {
        double[] out = new double[y.length];
        for (int r = 0; r < norms.length; r++) {
            double dot = 0;
            for (int k = 0; k < dim; k++) {
                dot += g[r * dim + k] * y[r * dim + k];
            }
            for (int k = 0; k < dim; k++) {
                out[r * dim + k] = (g[r * dim + k] - dot * y[r * dim + k]) / norms[r];
            }
        }
        return out;
    }

    /** C = A B^T for A (rows x dim) and B (cols x dim). */
    static double[] multTransB(double[] a, double[] b, int rows, int cols, int dim) {
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double sum = 0;
                for (int k = 0; k < dim; k++) {
                    sum += a[i * dim + k] * b[j * dim + k];
                }
                out[i * cols + j] = sum;
            }
        }
        return out;
    }

    /** dA = G B for G (rows x cols), B (cols x dim). */
    static double[] mult(double[] g, double[] b, int rows, int cols, int dim) {
        double[] out = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double gij = g[i * cols + j];
                if (gij != 0) {
                    for (int k = 0; k < dim; k++) {
                        out[i * dim + k] += gij * b[j * dim + k];
                    }
                }
            }
        }
        return out;
    }

    /** dB = G^T A for G (rows x cols), A (rows x dim). */
    static double[] multTransA(double[] g, double[] a, int rows, int cols, int dim) {
        double[] out = new double[cols * dim];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double gij = g[i * cols + j];
                if (gij != 0) {
                    for (int k = 0; k < dim; k++) {
                        out[j * dim + k] += gij * a[i * dim + k];
                    }
                }
            }
        }
        return out;
    }

    /**
     * Sub-center pooling (Sub-center ArcFace, Deng et al., ECCV 2020, Sec. 3.1): c_ij = max_k c_i(jK + k) over the K
     * sub-center columns of class j, as insightface's subcenter_arcface reshapes fc7 to (B, C, K) and takes the max.
     *
     * @param rowCos batch x classes K cosines. Not modified.
     * @param nearest receives, per (i, j), the k of the largest (ties: the lowest k). Modified.
     * @return batch x classes
     */
    static double[] poolSubCenters(double[] rowCos, int batch, int classes, int sub, int[] nearest) {
        double[] out = new double[batch * classes];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < classes; j++) {
                int base = (i * classes + j) * sub;
                int best = 0;
                for (int k = 1; k < sub; k++) {
                    if (rowCos[base + k] > rowCos[base + best]) {
                        best = k;
                    }
                }
                nearest[i * classes + j] = best;
                out[i * classes + j] = rowCos[base + best];
            }
        }
        return out;
    }

    /** The backward of {@link #poolSubCenters}: dL/dc_ij to sub-center nearest[i, j] of class j, 0 to the others. */
    static double[] scatterSubCenters(double[] dc, int batch, int classes, int sub, int[] nearest) {
        double[] out = new double[batch * classes * sub];
        for (int e = 0; e < batch * classes; e++) {
            out[e * sub + nearest[e]] = dc[e];
        }
        return out;
    }

    /**
     * f_ij = target(c_iy, |x_i|) on the target, negative(c_ij, f_iy) elsewhere; ignored rows copy c.
     *
     * @param norms |x_i| per row, or null when the target reads no norm (the layer-level methods)
     */
    static double[] margin(MarginSoftmax loss, double[] cos, int[] labels, int classes, double[] norms) {
        KernelSpec spec = loss.spec();
        double[] f = cos.clone();
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                continue;
            }
            double fy = target(loss, cos[i * classes + y], norms, i);
            for (int j = 0; j < classes; j++) {
                f[i * classes + j] = j == y ? fy : spec.negative(cos[i * classes + j], fy);
            }
        }
        return f;
    }

    /** |x_i|, or 0 for the layer methods, which see no rows and take no loss that reads the norm. */
    private static double norm(MarginSoftmax loss, double[] norms, int row) {
        if (norms == null && loss.spec().readsNorm()) {
            throw new IllegalStateException("this target reads the feature norm |x_i|: evaluate it with the norm");
        }
        return norms == null ? 0 : norms[row];
    }

    private static double target(MarginSoftmax loss, double c, double[] norms, int row) {
        return loss.spec().target(c, norm(loss, norms, row), loss.rowMargin(row));
    }

    /**
     * dL/dc from dL/df: df/dc on the target; dg/dc elsewhere, plus the path through f_y,
     * dL/dc_iy += f'(c_iy) sum_{j != y} dL/df_ij dg/df_y(c_ij, f_iy).
     *
     * @param norms |x_i| per row, or null when the target reads no norm
     * @param normGrad receives dL/d|x_i| = (dL/df_iy + path through f_y) df/d|x| per row, or null
     */
    static double[] marginBackward(MarginSoftmax loss, double[] cos, int[] labels, int classes, double[] df,
            double[] norms, double[] normGrad) {
        KernelSpec spec = loss.spec();
        double[] dc = new double[cos.length];
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                continue;
            }
            double cy = cos[i * classes + y];
            double fy = target(loss, cy, norms, i);
            double throughTarget = df[i * classes + y];
            for (int j = 0; j < classes; j++) {
                if (j != y) {
                    double c = cos[i * classes + j];
                    dc[i * classes + j] = df[i * classes + j] * spec.negativeGradient(c, fy);
                    throughTarget += df[i * classes + j] * spec.negativeTargetGradient(c, fy);
                }
            }
            double norm = norm(loss, norms, i);
            dc[i * classes + y] = throughTarget * spec.targetGradient(cy, norm, loss.rowMargin(i));
            if (normGrad != null) {
                normGrad[i] = throughTarget * spec.targetNormGradient(cy, norm, loss.rowMargin(i));
            }
        }
        return dc;
    }

    /**
     * L = reduce_i F(lp_i), lp_i = z_iy - logsumexp_j z_ij with z = s f (the row max is subtracted first, so s = 64
     * or 128 cannot overflow; lp comes from {@link RowLogProb}, so it keeps its digits when p_y is near 1).
     * dL/df_ij = w s F'(lp_i) ([j = y_i] - p_ij), w = 1/N for the mean.
     *
     * @param df receives dL/df, or null
     * @param extra a loss added to each counted row (a norm regularizer), or null
     * @param cos the unmargined cosines the diagnostics read, or null with {@code diagnostics}
     * @param diagnostics receives each counted row (target cosine, log p_y, row log-sum-exp, top-1), or null
     * @return the reducer holding the rows' losses
     */
    static LossResult.Reducer softmaxLoss(MarginSoftmax loss, double scale, double[] f, int[] labels, int classes,
            double[] df, double[] extra, double[] cos, LossDiagnostics.Builder diagnostics) {
        KernelSpec spec = loss.spec();
        LossResult.Reducer reducer = new LossResult.Reducer(loss, labels);
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            double bestOther = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, scale * f[i * classes + j]);
                bestOther = j == y ? bestOther : Math.max(bestOther, f[i * classes + j]);
            }
            double nonTarget = 0;
            for (int j = 0; j < classes; j++) {
                nonTarget += j == y ? 0 : Math.exp(scale * f[i * classes + j] - max);
            }
            double lp = RowLogProb.of(scale * f[i * classes + y] - max, nonTarget);
            // lse - max, small: z_j - max is formed first, since max + (lse - max) rounds away lse - max at 1e29
            double shifted = RowLogProb.shiftedLogSumExp(scale * f[i * classes + y] - max, nonTarget);
            // label smoothing: -(1 - eps) lp - (eps / C) sum_j log p_j = -lp + eps (z_y - mean_j z_j)
            double smoothing = loss.labelSmoothing();
            double q = smoothing / classes;
            double mean = 0;
            for (int j = 0; smoothing != 0 && j < classes; j++) {
                mean += scale * f[i * classes + j] / classes;
            }
            double smoothed = smoothing == 0 ? 0 : smoothing * (scale * f[i * classes + y] - mean);
            reducer.add(i, spec.rowLoss(lp) + smoothed + (extra == null ? 0 : extra[i]));
            if (diagnostics != null) {
                double cy = cos[i * classes + y];
                diagnostics.row(cy, lp, max + shifted, (float) cy > (float) bestOther);
            }
            if (df != null) {
                double g = reducer.weight(i) * scale * spec.rowLossGradient(lp);
                for (int j = 0; j < classes; j++) {
                    // on the target, 1 - p_y = -expm1(lp) keeps its digits when p_y is within 1e-12 of 1
                    // dL/dz_j = w (p_j - (1 - eps) [j = y] - eps / C)
                    df[i * classes + j] = j == y ? -g * (Math.expm1(lp) + smoothing - q)
                            : -g * (Math.exp((scale * f[i * classes + j] - max) - shifted) - q);
                }
            }
        }
        return reducer;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static void store(double[] from, float[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = (float) from[i];
        }
    }
}
