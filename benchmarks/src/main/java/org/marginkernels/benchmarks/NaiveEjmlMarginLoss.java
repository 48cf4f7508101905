package org.marginkernels.benchmarks;

import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.marginkernels.LossResult;
import org.marginkernels.Margins;

/**
 * The baseline the fused kernel is measured against: ArcFace (Deng et al., CVPR 2019, eq. 3) with a fixed scale and
 * mean cross-entropy, written the way one would write it with a dense matrix library. Every intermediate is a
 * materialized float matrix (the B x C cosines, margined logits and their gradient), the cosines and both gradients
 * are three EJML GEMMs, and the rest is plain loops. It has no ignore label and no other margin: it exists to be
 * timed, and {@code NaiveEjmlMarginLossTest} checks it against the reference backend so that the baseline is honest.
 *
 * <p>The margin matches {@link Margins#arcFace(double)}: c is clamped to [-1 + eps, 1 - eps] before sqrt(1 - c^2);
 * f(c) = cos(theta + m) while the clamped c exceeds cos(pi - m), else the fallback c - m sin(pi - m).
 */
public final class NaiveEjmlMarginLoss {

    private final float scale;
    private final boolean concurrent;
    private final double cosMargin;
    private final double sinMargin;
    private final double threshold;
    private final double fallbackShift;

    /**
     * An ArcFace loss with margin m and scale s.
     *
     * @param margin m in radians, in [0, pi/2]
     * @param scale s, finite and &gt; 0
     * @param concurrent true to run the three GEMMs with EJML's threaded {@code CommonOps_MT_FDRM}
     * @throws IllegalArgumentException if m or s is out of range
     */
    public NaiveEjmlMarginLoss(double margin, double scale, boolean concurrent) {
        if (!(margin >= 0 && margin <= Math.PI / 2)) {
            throw new IllegalArgumentException("margin must be in [0, pi/2], got " + margin);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
        }
        this.scale = (float) scale;
        this.concurrent = concurrent;
        this.cosMargin = Math.cos(margin);
        this.sinMargin = Math.sin(margin);
        this.threshold = Math.cos(Math.PI - margin);
        this.fallbackShift = margin * Math.sin(Math.PI - margin);
    }

    /**
     * L = mean_i [logsumexp_j z_ij - z_iy] with z = s f(c), and its gradients with respect to the raw inputs:
     * dX_i = (g_i - (g_i . x^_i) x^_i) / |x_i| with g = dL/dc W^, and the same per class with dL/dc^T X^.
     *
     * @param features raw rows, batch x dim. Not modified.
     * @param weights raw rows, classes x dim. Not modified.
     * @param labels one class per row in [0, classes). Not modified.
     * @param featureGrad receives dL/dfeatures, batch x dim. Modified.
     * @param weightGrad receives dL/dweights, classes x dim. Modified.
     * @return the mean loss, the scale and the row count
     */
    public LossResult forwardBackward(float[] features, float[] weights, int[] labels, int dim, float[] featureGrad,
            float[] weightGrad) {
        int batch = labels.length;
        int classes = weights.length / dim;
        // normalize rows
        FMatrixRMaj x = FMatrixRMaj.wrap(batch, dim, features);
        FMatrixRMaj w = FMatrixRMaj.wrap(classes, dim, weights);
        float[] xNorm = rowNorms(x);
        float[] wNorm = rowNorms(w);
        FMatrixRMaj xHat = x.copy();
        FMatrixRMaj wHat = w.copy();
        CommonOps_FDRM.divideRows(xNorm, xHat);
        CommonOps_FDRM.divideRows(wNorm, wHat);

        // cosines, B x C
        FMatrixRMaj cos = new FMatrixRMaj(batch, classes);
        if (concurrent) {
            CommonOps_MT_FDRM.multTransB(xHat, wHat, cos);
        } else {
            CommonOps_FDRM.multTransB(xHat, wHat, cos);
        }

        // margin on the targets, then the scale: logits = s f(c)
        FMatrixRMaj logits = cos.copy();
        float[] targetSlope = new float[batch];
        for (int i = 0; i < batch; i++) {
            float c = cos.get(i, labels[i]);
            logits.set(i, labels[i], target(c));
            targetSlope[i] = targetGradient(c);
        }
        CommonOps_FDRM.scale(scale, logits);

        // softmax cross-entropy; the gradient dL/dz = (p - onehot) / B is written over the logits
        double total = 0;
        float[] z = logits.data;
        for (int i = 0; i < batch; i++) {
            int row = i * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, z[row + j]);
            }
            float sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += (float) Math.exp(z[row + j] - max);
            }
            float logSum = max + (float) Math.log(sum);
            total += logSum - z[row + labels[i]];
            for (int j = 0; j < classes; j++) {
                z[row + j] = (float) Math.exp(z[row + j] - logSum) / batch;
            }
            z[row + labels[i]] -= 1f / batch;
        }

        // dL/dc = s dL/dz, times f'(c) on the targets
        FMatrixRMaj cosGrad = logits;
        CommonOps_FDRM.scale(scale, cosGrad);
        for (int i = 0; i < batch; i++) {
            cosGrad.set(i, labels[i], cosGrad.get(i, labels[i]) * targetSlope[i]);
        }

        // two GEMMs: dX^ = dC W^ (B x D), dW^ = dC^T X^ (C x D)
        FMatrixRMaj xHatGrad = new FMatrixRMaj(batch, dim);
        FMatrixRMaj wHatGrad = new FMatrixRMaj(classes, dim);
        if (concurrent) {
            CommonOps_MT_FDRM.mult(cosGrad, wHat, xHatGrad);
            CommonOps_MT_FDRM.multTransA(cosGrad, xHat, wHatGrad);
        } else {
            CommonOps_FDRM.mult(cosGrad, wHat, xHatGrad);
            CommonOps_FDRM.multTransA(cosGrad, xHat, wHatGrad);
        }

        // normalization backward
        normalizeBackward(xHat, xNorm, xHatGrad, featureGrad);
        normalizeBackward(wHat, wNorm, wHatGrad, weightGrad);
        return new LossResult(total / batch, scale, batch);
    }

    /**
     * f(c) of ArcFace with the clamp and the threshold fallback; evaluated in double (B values per step) so that the
     * clamp bound 1 - 1e-7 is not rounded to float, where sqrt(1 - c^2) would change by 10% at the bound.
     */
    float target(float c) {
        double clamped = clamp(c);
        if (clamped > threshold) {
            return (float) (clamped * cosMargin - Math.sqrt(1 - clamped * clamped) * sinMargin);
        }
        return (float) (c - fallbackShift);
    }

    /** df/dc: cos m + c sin m / sqrt(1 - c^2) inside the clamp (0 outside it), 1 on the fallback branch. */
    float targetGradient(float c) {
        double clamped = clamp(c);
        if (clamped > threshold) {
            boolean inside = clamped == c;
            return inside ? (float) (cosMargin + c * sinMargin / Math.sqrt(1 - (double) c * c)) : 0f;
        }
        return 1f;
    }

    private static double clamp(float c) {
        return Math.min(1 - Margins.COSINE_EPSILON, Math.max(-1 + Margins.COSINE_EPSILON, c));
    }

    private static float[] rowNorms(FMatrixRMaj m) {
        float[] norms = new float[m.numRows];
        for (int r = 0; r < m.numRows; r++) {
            float sum = 0;
            for (int k = 0; k < m.numCols; k++) {
                float v = m.get(r, k);
                sum += v * v;
            }
            norms[r] = (float) Math.sqrt(sum);
        }
        return norms;
    }

    // out_i = (g_i - (g_i . y_i) y_i) / |x_i|
    private static void normalizeBackward(FMatrixRMaj y, float[] norms, FMatrixRMaj g, float[] out) {
        int dim = y.numCols;
        for (int r = 0; r < y.numRows; r++) {
            float dot = 0;
            for (int k = 0; k < dim; k++) {
                dot += g.get(r, k) * y.get(r, k);
            }
            for (int k = 0; k < dim; k++) {
                out[r * dim + k] = (g.get(r, k) - dot * y.get(r, k)) / norms[r];
            }
        }
    }
}
