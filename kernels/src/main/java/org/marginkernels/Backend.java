package org.marginkernels;

import java.util.Objects;
import org.marginkernels.spi.KernelBackend;

/**
 * The public entry point to a backend: every method checks its arguments once, throwing
 * {@link IllegalArgumentException} that names the argument and the expected value before anything is written, and
 * then delegates to the implementation ({@code reference}, {@code cpu}, {@code opencl}, {@code cuda}). Obtain one
 * from {@link Backends}; close it to release native resources. Not thread-safe: use one per training thread.
 *
 * <p>Shapes: features float[batch * dim], weights float[classes * dim], row-major, raw (not normalized);
 * labels int[batch], batch = labels.length, classes = weights.length / dim.
 */
public final class Backend implements AutoCloseable {

    private final KernelBackend impl;

    Backend(KernelBackend impl) {
        this.impl = Objects.requireNonNull(impl, "impl");
    }

    /** The name of the backend this facade drives. */
    public String name() {
        return impl.name();
    }

    /**
     * The loss and its gradients with respect to the raw features and weights (through both L2 normalizations).
     *
     * @param loss the loss. Not modified.
     * @param features raw embeddings, batch x dim. Not modified.
     * @param weights raw class weights, classes x dim. Not modified.
     * @param labels class per row in [0, classes), or the loss's ignore label. Not modified.
     * @param dim the embedding dimension, &gt; 0
     * @param featureGrad receives dL/dfeatures (batch x dim), or null to skip. Modified.
     * @param weightGrad receives dL/dweights (classes x dim), or null to skip. Modified.
     * @return the loss, the scale used and the number of counted rows
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     */
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        checkProblem(loss, features, weights, labels, dim, !impl.checksWeightRows());
        Checks.length("featureGrad", featureGrad, features.length, "same shape as features");
        Checks.length("weightGrad", weightGrad, weights.length, "same shape as weights");
        Checks.distinct("featureGrad", featureGrad, "features", features);
        Checks.distinct("weightGrad", weightGrad, "weights", weights);
        Checks.distinct("weightGrad", weightGrad, "featureGrad", featureGrad);
        return impl.forwardBackward(loss, features, weights, labels, dim, featureGrad, weightGrad);
    }

    /**
     * The loss only (no gradients): the inference-time or validation loss.
     *
     * @throws IllegalArgumentException on any invalid argument
     */
    public LossResult forward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim) {
        checkProblem(loss, features, weights, labels, dim, !impl.checksWeightRows());
        return impl.forwardBackward(loss, features, weights, labels, dim, null, null);
    }

    /**
     * L2 row normalization: output_i = input_i / |input_i|.
     *
     * @param input rows of dim floats. Not modified.
     * @param output same shape. Modified.
     * @param norms receives |input_i| per row, or null. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or a zero-norm row
     */
    public void l2Normalize(float[] input, int dim, float[] output, float[] norms) {
        Checks.positive("dim", dim);
        int rows = Checks.rows("input", input, dim);
        Checks.required("output", output, input.length, "same shape as input");
        Checks.length("norms", norms, rows, "one per row");
        Checks.distinct("norms", norms, "output", output);
        Checks.finiteRowsWithNorm("input", input, dim);
        impl.l2Normalize(input, dim, output, norms);
    }

    /**
     * Backward of {@link #l2Normalize}: inputGrad_i = (g_i - (g_i . y_i) y_i) / |x_i| with g = outputGrad.
     *
     * @param output the normalized rows y. Not modified.
     * @param norms |x_i| per row. Not modified.
     * @param outputGrad dL/dy. Not modified.
     * @param inputGrad receives dL/dx. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or non-positive norms
     */
    public void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim, float[] inputGrad) {
        Checks.positive("dim", dim);
        int rows = Checks.rows("output", output, dim);
        Checks.required("norms", norms, rows, "one per row");
        Checks.required("outputGrad", outputGrad, output.length, "same shape as output");
        Checks.required("inputGrad", inputGrad, output.length, "same shape as output");
        Checks.finite("output", output);
        Checks.finite("outputGrad", outputGrad);
        Checks.positiveNorms("norms", norms);
        Checks.distinct("inputGrad", inputGrad, "output", output);
        Checks.distinct("inputGrad", inputGrad, "outputGrad", outputGrad);
        impl.l2NormalizeBackward(output, norms, outputGrad, dim, inputGrad);
    }

    /**
     * Cosine logits (the normalized inner product): cosines[i*C + j] = x^_i . w^_j.
     *
     * @param features raw rows, batch x dim. Not modified.
     * @param weights raw rows, classes x dim. Not modified.
     * @param cosines receives batch x classes. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or a zero-norm row
     */
    public void cosineLogits(float[] features, float[] weights, int dim, float[] cosines) {
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.rows("weights", weights, dim);
        Checks.required("cosines", cosines, Math.multiplyExact(batch, classes), "batch x classes");
        Checks.finiteRowsWithNorm("features", features, dim);
        Checks.finiteRowsWithNorm("weights", weights, dim);
        impl.cosineLogits(features, weights, dim, cosines);
    }

    /**
     * Backward of {@link #cosineLogits}: gradients of the raw features and weights from dL/dcosines.
     *
     * @param cosineGrad dL/dc, batch x classes. Not modified.
     * @param featureGrad receives dL/dfeatures, or null. Modified.
     * @param weightGrad receives dL/dweights, or null. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or a zero-norm row
     */
    public void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad,
            float[] featureGrad, float[] weightGrad) {
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.rows("weights", weights, dim);
        Checks.required("cosineGrad", cosineGrad, Math.multiplyExact(batch, classes), "batch x classes");
        Checks.length("featureGrad", featureGrad, features.length, "same shape as features");
        Checks.length("weightGrad", weightGrad, weights.length, "same shape as weights");
        Checks.distinct("featureGrad", featureGrad, "features", features);
        Checks.distinct("weightGrad", weightGrad, "weights", weights);
        Checks.distinct("weightGrad", weightGrad, "featureGrad", featureGrad);
        Checks.finiteRowsWithNorm("features", features, dim);
        Checks.finiteRowsWithNorm("weights", weights, dim);
        Checks.finite("cosineGrad", cosineGrad);
        impl.cosineLogitsBackward(features, weights, dim, cosineGrad, featureGrad, weightGrad);
    }

    /**
     * The margin on a cosine matrix: margined = f(c) on each row's target, g(c, f_y) elsewhere (no scale).
     *
     * @param cosines batch x classes. Not modified.
     * @param margined receives batch x classes. Modified.
     * @throws IllegalArgumentException on bad shapes, labels or non-finite cosines
     */
    public void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        Checks.required("margined", margined, cosines.length, "same shape as cosines");
        Checks.finite("cosines", cosines);
        Checks.labels(labels, classes, loss.ignoreLabel());
        impl.marginForward(loss, cosines, labels, margined);
    }

    /**
     * Backward of {@link #marginForward}: dL/dc from dL/dmargined.
     *
     * @param marginedGrad dL/df, batch x classes. Not modified.
     * @param cosineGrad receives dL/dc. Modified.
     * @throws IllegalArgumentException on bad shapes, labels or non-finite values
     */
    public void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        Checks.required("marginedGrad", marginedGrad, cosines.length, "same shape as cosines");
        Checks.required("cosineGrad", cosineGrad, cosines.length, "same shape as cosines");
        Checks.distinct("cosineGrad", cosineGrad, "cosines", cosines);
        Checks.finite("cosines", cosines);
        Checks.finite("marginedGrad", marginedGrad);
        Checks.labels(labels, classes, loss.ignoreLabel());
        impl.marginBackward(loss, cosines, labels, marginedGrad, cosineGrad);
    }

    /**
     * Scaled softmax cross-entropy (or focal loss) of logits z = scale * margined, with the loss's reduction and
     * ignore label; writes dL/dmargined when {@code marginedGrad} is not null.
     *
     * @param scale s, finite and &gt; 0 (see {@link #scaleFor} for adaptive policies)
     * @param margined batch x classes. Not modified.
     * @param marginedGrad receives dL/dmargined, or null. Modified.
     * @throws IllegalArgumentException on bad shapes, labels, scale or non-finite values
     */
    public LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined, int[] labels,
            float[] marginedGrad) {
        int classes = checkMatrix(loss, "margined", margined, labels);
        Checks.scale(scale);
        Checks.length("marginedGrad", marginedGrad, margined.length, "same shape as margined");
        Checks.distinct("marginedGrad", marginedGrad, "margined", margined);
        Checks.finite("margined", margined);
        Checks.labels(labels, classes, loss.ignoreLabel());
        return impl.scaledSoftmaxCrossEntropy(loss, scale, margined, labels, marginedGrad);
    }

    /**
     * The scale the loss uses for this batch of cosines: the fixed scale, the fixed AdaCos scale, or the dynamic
     * AdaCos scale from the batch (see {@link ScalePolicy.AdaCosDynamic}).
     *
     * @param cosines the unmargined cosines, batch x classes. Not modified.
     * @throws IllegalArgumentException on bad shapes, labels or non-finite cosines
     */
    public double scaleFor(MarginSoftmax loss, float[] cosines, int[] labels) {
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        Checks.finite("cosines", cosines);
        Checks.labels(labels, classes, loss.ignoreLabel());
        checkScalePolicy(loss, classes);
        return AdaCosScale.resolve(loss, labels, classes, (i, j) -> cosines[i * classes + j]);
    }

    /**
     * Cosine similarity of two embeddings: a . b / (|a| |b|), in [-1, 1]. Compare faces with a threshold on this
     * value (higher is more similar), not with a Euclidean distance; for unit vectors |a - b|^2 = 2 - 2 cos.
     *
     * @throws IllegalArgumentException if the lengths differ, are 0, or a vector is non-finite or zero
     */
    public float cosineSimilarity(float[] a, float[] b) {
        Checks.notNull("a", a);
        Checks.notNull("b", b);
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("a and b must have the same positive length, got " + a.length + " and "
                    + b.length);
        }
        float[] out = new float[1];
        pairCosines(a, b, a.length, out);
        return out[0];
    }

    /**
     * Cosine similarity of row pairs: out_i = cos(left_i, right_i).
     *
     * @param left rows of dim floats. Not modified.
     * @param right same shape. Not modified.
     * @param out one per row. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or zero rows
     */
    public void pairCosines(float[] left, float[] right, int dim, float[] out) {
        Checks.positive("dim", dim);
        int rows = Checks.rows("left", left, dim);
        Checks.required("right", right, left.length, "same shape as left");
        Checks.required("out", out, rows, "one per row pair");
        Checks.finiteRowsWithNorm("left", left, dim);
        Checks.finiteRowsWithNorm("right", right, dim);
        impl.pairCosines(left, right, dim, out);
    }

    /**
     * 1:N identification: for each query, the k gallery rows of highest cosine similarity, best first (ties: lower
     * index first). Extra memory does not grow with the gallery.
     *
     * @param queries rows of dim floats. Not modified.
     * @param gallery rows of dim floats, raw or normalized. Not modified.
     * @param k results per query, 1 &lt;= k &lt;= gallery rows
     * @param indices receives queries x k gallery row indices. Modified.
     * @param scores receives queries x k cosines. Modified.
     * @throws IllegalArgumentException on bad shapes, k, non-finite values or zero rows
     */
    public void topK(float[] queries, float[] gallery, int dim, int k, int[] indices, float[] scores) {
        Checks.positive("dim", dim);
        int q = Checks.rows("queries", queries, dim);
        int g = Checks.rows("gallery", gallery, dim);
        if (k < 1 || k > g) {
            throw new IllegalArgumentException("k must be in [1, " + g + "] (gallery rows), got " + k);
        }
        Checks.notNull("indices", indices);
        if (indices.length != q * k) {
            throw new IllegalArgumentException("indices must have length " + q * k + " (queries x k), got "
                    + indices.length);
        }
        Checks.required("scores", scores, q * k, "queries x k");
        Checks.finiteRowsWithNorm("queries", queries, dim);
        Checks.finiteRowsWithNorm("gallery", gallery, dim);
        impl.topK(queries, gallery, dim, k, indices, scores);
    }

    /** The implementation behind this facade, for tests and benchmarks that need the unchecked path. */
    public KernelBackend implementation() {
        return impl;
    }

    @Override
    public void close() {
        impl.close();
    }

    @Override
    public String toString() {
        return "Backend[" + impl.name() + "]";
    }

    /**
     * @param weightRows whether to check the weights' values here; false when the backend checks them in its own
     *     pass ({@link KernelBackend#checksWeightRows()}): at C x D floats they are the largest operand, and a pass
     *     on the calling thread costs several percent of a step
     */
    private static void checkProblem(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            boolean weightRows) {
        Checks.notNull("loss", loss);
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.rows("weights", weights, dim);
        Checks.notNull("labels", labels);
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels must have one entry per features row: features has " + batch
                    + " rows of dim=" + dim + ", labels has " + labels.length);
        }
        Checks.labels(labels, classes, loss.ignoreLabel());
        checkScalePolicy(loss, classes);
        Checks.finiteRowsWithNorm("features", features, dim);
        if (weightRows) {
            Checks.finiteRowsWithNorm("weights", weights, dim);
        }
    }

    private static void checkScalePolicy(MarginSoftmax loss, int classes) {
        if (!(loss.scalePolicy() instanceof ScalePolicy.Fixed) && classes < 3) {
            throw new IllegalArgumentException("classes must be >= 3 for an AdaCos scale (sqrt(2) log(C - 1) > 0), got "
                    + classes);
        }
    }

    private static int checkMatrix(MarginSoftmax loss, String name, float[] matrix, int[] labels) {
        Checks.notNull("loss", loss);
        Checks.notNull(name, matrix);
        Checks.notNull("labels", labels);
        if (labels.length == 0 || matrix.length == 0 || matrix.length % labels.length != 0) {
            throw new IllegalArgumentException(name + " must be batch x classes with batch = labels.length = "
                    + labels.length + ", got length " + matrix.length);
        }
        return matrix.length / labels.length;
    }
}
