package org.marginkernels.reference;

import static org.marginkernels.reference.ReferenceMath.store;
import static org.marginkernels.reference.ReferenceMath.toDouble;

import java.util.Optional;
import org.marginkernels.AdaCosScale;
import org.marginkernels.LossDiagnostics;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.spec.RegressionSpec;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.TopK;

/**
 * The scalar reference: every kernel computed in double precision on materialized batch x classes matrices, one
 * readable formula at a time. It is the oracle the fast backends are compared with, not a fast path: memory is
 * O(batch x classes + classes x dim) doubles.
 */
public final class ReferenceBackend implements KernelBackend {

    /** The name users select it by. */
    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        int batch = labels.length;
        int rows = weights.length / dim;
        int sub = loss.subCenters();
        int classes = rows / sub;
        double[] xNorm = new double[batch];
        double[] wNorm = new double[rows];
        double[] xHat = ReferenceMath.normalize(toDouble(features), dim, xNorm);
        double[] wHat = ReferenceMath.normalize(toDouble(weights), dim, wNorm);
        double[] rowCos = ReferenceMath.multTransB(xHat, wHat, batch, rows, dim);
        // the class cosine: the max over the class's sub-centers (the identity when K = 1)
        int[] nearest = sub == 1 ? null : new int[batch * classes];
        double[] cos = sub == 1 ? rowCos : ReferenceMath.poolSubCenters(rowCos, batch, classes, sub, nearest);
        double scale = AdaCosScale.resolve(loss, labels, classes, (i, j) -> cos[i * classes + j]);
        double[] f = ReferenceMath.margin(loss, cos, labels, classes, xNorm);
        boolean backward = featureGrad != null || weightGrad != null;
        double[] df = backward ? new double[f.length] : null;
        // a regularizer R(|x_i|) per counted row, reduced like the row losses (MagFace)
        double[] regularizer = null;
        if (loss.spec().hasRegularizer()) {
            regularizer = new double[batch];
            for (int i = 0; i < batch; i++) {
                regularizer[i] = loss.spec().regularizer(xNorm[i]);
            }
        }
        LossDiagnostics.Builder diagnostics = new LossDiagnostics.Builder(loss, classes, scale);
        LossResult.Reducer reducer = ReferenceMath.softmaxLoss(loss, scale, f, labels, classes, df, regularizer, cos,
                diagnostics);
        if (backward) {
            double[] normGrad = loss.spec().hasNormPath() ? new double[batch] : null;
            double[] dc = ReferenceMath.marginBackward(loss, cos, labels, classes, df, xNorm, normGrad);
            if (sub > 1) {
                dc = ReferenceMath.scatterSubCenters(dc, batch, classes, sub, nearest);
            }
            for (int i = 0; normGrad != null && i < batch; i++) {
                if (labels[i] != loss.ignoreLabel()) {
                    normGrad[i] += reducer.weight(i) * loss.spec().regularizerGradient(xNorm[i]);
                }
            }
            if (featureGrad != null) {
                double[] dxHat = ReferenceMath.mult(dc, wHat, batch, rows, dim);
                double[] dx = ReferenceMath.normalizeBackward(xHat, xNorm, dxHat, dim);
                // the norm path: d|x_i|/dx_i = x^_i
                for (int i = 0; normGrad != null && i < batch; i++) {
                    for (int k = 0; k < dim; k++) {
                        dx[i * dim + k] += normGrad[i] * xHat[i * dim + k];
                    }
                }
                store(dx, featureGrad);
            }
            if (weightGrad != null) {
                double[] dwHat = ReferenceMath.multTransA(dc, xHat, batch, rows, dim);
                store(ReferenceMath.normalizeBackward(wHat, wNorm, dwHat, dim), weightGrad);
            }
        }
        return reducer.result(scale, Optional.of(diagnostics.build()));
    }

    @Override
    public void l2Normalize(float[] input, int dim, float[] output, float[] norms) {
        double[] n = new double[input.length / dim];
        store(ReferenceMath.normalize(toDouble(input), dim, n), output);
        if (norms != null) {
            store(n, norms);
        }
    }

    @Override
    public void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim, float[] inputGrad) {
        store(ReferenceMath.normalizeBackward(toDouble(output), toDouble(norms), toDouble(outputGrad), dim),
                inputGrad);
    }

    @Override
    public void cosineLogits(float[] features, float[] weights, int dim, float[] cosines) {
        int batch = features.length / dim;
        int classes = weights.length / dim;
        double[] xHat = ReferenceMath.normalize(toDouble(features), dim, new double[batch]);
        double[] wHat = ReferenceMath.normalize(toDouble(weights), dim, new double[classes]);
        store(ReferenceMath.multTransB(xHat, wHat, batch, classes, dim), cosines);
    }

    @Override
    public void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad,
            float[] featureGrad, float[] weightGrad) {
        int batch = features.length / dim;
        int classes = weights.length / dim;
        double[] xNorm = new double[batch];
        double[] wNorm = new double[classes];
        double[] xHat = ReferenceMath.normalize(toDouble(features), dim, xNorm);
        double[] wHat = ReferenceMath.normalize(toDouble(weights), dim, wNorm);
        double[] dc = toDouble(cosineGrad);
        if (featureGrad != null) {
            double[] dxHat = ReferenceMath.mult(dc, wHat, batch, classes, dim);
            store(ReferenceMath.normalizeBackward(xHat, xNorm, dxHat, dim), featureGrad);
        }
        if (weightGrad != null) {
            double[] dwHat = ReferenceMath.multTransA(dc, xHat, batch, classes, dim);
            store(ReferenceMath.normalizeBackward(wHat, wNorm, dwHat, dim), weightGrad);
        }
    }

    @Override
    public void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        store(ReferenceMath.margin(loss, toDouble(cosines), labels, cosines.length / labels.length, null), margined);
    }

    @Override
    public void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        store(ReferenceMath.marginBackward(loss, toDouble(cosines), labels, cosines.length / labels.length,
                toDouble(marginedGrad), null, null), cosineGrad);
    }

    @Override
    public LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined, int[] labels,
            float[] marginedGrad) {
        double[] df = marginedGrad == null ? null : new double[margined.length];
        LossResult.Reducer r = ReferenceMath.softmaxLoss(loss, scale, toDouble(margined), labels,
                margined.length / labels.length, df, null, null, null);
        if (df != null) {
            store(df, marginedGrad);
        }
        return r.result(scale, Optional.empty());
    }

    @Override
    public void pairCosines(float[] left, float[] right, int dim, float[] out) {
        for (int r = 0; r < out.length; r++) {
            out[r] = (float) cosine(left, r * dim, right, r * dim, dim);
        }
    }

    @Override
    public void topK(float[] queries, float[] gallery, int dim, int k, int[] indices, float[] scores) {
        TopK selector = new TopK(k);
        for (int q = 0; q < queries.length / dim; q++) {
            for (int g = 0; g < gallery.length / dim; g++) {
                selector.offer(g, g, (float) cosine(queries, q * dim, gallery, g * dim, dim));
            }
            selector.drainInto(indices, scores, q * k);
        }
    }

    /** a . b / (|a| |b|) of the rows starting at {@code ai} and {@code bi}, in double. */
    private static double cosine(float[] a, int ai, float[] b, int bi, int dim) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int k = 0; k < dim; k++) {
            dot += (double) a[ai + k] * b[bi + k];
            aa += (double) a[ai + k] * a[ai + k];
            bb += (double) b[bi + k] * b[bi + k];
        }
        return dot / (Math.sqrt(aa) * Math.sqrt(bb));
    }

    /** The residual in double (exact for two floats of similar magnitude) and l, dl/dx by the spec's evaluators. */
    @Override
    public double regressionLoss(RegressionLoss loss, float[] predictions, float[] targets, double weight,
            float[] gradOut) {
        RegressionSpec spec = loss.spec();
        double sum = 0;
        for (int i = 0; i < predictions.length; i++) {
            double y = targets[i];
            double x = predictions[i] - y;
            sum += spec.value(x, y);
            if (gradOut != null) {
                gradOut[i] = (float) (weight * spec.gradient(x, y));
            }
        }
        return weight * sum;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
