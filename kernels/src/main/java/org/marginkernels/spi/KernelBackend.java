package org.marginkernels.spi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;

/**
 * What a backend implements. The {@code org.marginkernels.Backend} facade has checked every argument before a call
 * (shapes that fit a Java array, labels, finite values, row norms in [1e-15, 2^126], scales in (0, 1e6], bounded
 * upstream gradients, no output aliasing an input or another output; the weights' values only unless
 * {@link #checksWeightRows()}), so implementations assume valid input and must return finite results for all of
 * it. Branch conditions compare float values (see {@code ScalarEvaluator.compileCondition}); a target cosine must
 * equal, bit for bit, the cosine the backend computes for the same class elsewhere, so that ties are exact.
 * Implementations must be safe for concurrent calls (each call as if alone), and after {@link #close()} they throw
 * IllegalStateException. Shapes:
 * batch = labels.length, classes = weights.length / dim; matrices are row-major float arrays. Output arrays are
 * overwritten, never accumulated into.
 */
public interface KernelBackend extends AutoCloseable {

    /** The backend's name. */
    String name();

    /**
     * Whether {@link #forwardBackward} checks the weights' values itself, so the facade skips that pass: for the
     * lowest weights row that does not {@link RowCheck#passes pass} it must throw
     * {@code RowCheck.failure("weights", ...)} before writing any output. Every other argument is still checked by
     * the facade. Default false.
     */
    default boolean checksWeightRows() {
        return false;
    }

    /**
     * The whole loss on raw inputs; writes dL/dfeatures and dL/dweights through both normalizations. Both gradient
     * arrays null means forward only.
     */
    LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad);

    /**
     * One class shard's part of {@link #forwardBackward}: {@code weights} holds the shard's classes only,
     * {@code labels} are global, and the fused plan runs over {@link ShardedTiles} so that the loss (the same on every
     * shard) is that of all classes; writes this shard's dL/dweights and its share of dL/dfeatures, which the caller
     * sums over the shards. Backends that cannot run a shard keep this default.
     *
     * @throws UnsupportedOperationException if the backend does not run class shards
     */
    default LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad, ClassShard shard) {
        throw new UnsupportedOperationException("backend " + name() + " does not run class shards");
    }

    /**
     * {@link #forwardBackward(MarginSoftmax, float[], float[], int[], int, float[], float[])} with the weights and
     * their gradient off-heap: classes x K x dim floats (K the loss's sub-centers) in native byte order
     * ({@link ValueLayout#JAVA_FLOAT}) from byte offset {@code weightsOffset} of {@code weights} (and
     * {@code weightGradOffset} of {@code weightGrad}, which may be null). The facade has checked bounds, alignment,
     * access and overlap. This default <b>copies</b> the weights into a float[] (and the gradient back), so it needs
     * classes x K x dim &lt;= {@link #MAX_HEAP_FLOATS}; a backend that reads segments in place overrides it.
     *
     * @throws UnsupportedOperationException when the weights exceed {@link #MAX_HEAP_FLOATS} floats
     */
    default LossResult forwardBackward(MarginSoftmax loss, float[] features, MemorySegment weights,
            long weightsOffset, int classes, int[] labels, int dim, float[] featureGrad, MemorySegment weightGrad,
            long weightGradOffset) {
        long floats = (long) classes * loss.subCenters() * dim;
        if (floats > MAX_HEAP_FLOATS) {
            throw new UnsupportedOperationException("backend " + name() + " copies off-heap weights into a float[], "
                    + "which holds at most " + MAX_HEAP_FLOATS + " floats; these weights have " + floats
                    + " (classes x subCenters x dim): use the cpu backend, which reads them in place");
        }
        float[] w = new float[(int) floats];
        MemorySegment.copy(weights, ValueLayout.JAVA_FLOAT, weightsOffset, w, 0, w.length);
        float[] dw = weightGrad == null ? null : new float[w.length];
        LossResult result = forwardBackward(loss, features, w, labels, dim, featureGrad, dw);
        if (dw != null) {
            MemorySegment.copy(dw, 0, weightGrad, ValueLayout.JAVA_FLOAT, weightGradOffset, dw.length);
        }
        return result;
    }

    /** The longest float[] the JVM allocates, and so the most weights the copying default takes. */
    int MAX_HEAP_FLOATS = Integer.MAX_VALUE - 8;

    /** y_i = x_i / |x_i| per row; {@code norms} (nullable) receives |x_i|. */
    void l2Normalize(float[] input, int dim, float[] output, float[] norms);

    /** dx_i = (dy_i - (dy_i . y_i) y_i) / |x_i|. */
    void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim, float[] inputGrad);

    /** c_ij = x^_i . w^_j from raw features and weights (batch x classes). */
    void cosineLogits(float[] features, float[] weights, int dim, float[] cosines);

    /** Gradients of raw features and weights from dL/dc (either output may be null). */
    void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad, float[] featureGrad,
            float[] weightGrad);

    /** f_ij = target(c_iy) at j = y_i, negative(c_ij, f_iy) elsewhere; ignored rows copy c. */
    void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined);

    /** dL/dc from dL/df through the target and negative transforms (including the dg/df_y path). */
    void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad, float[] cosineGrad);

    /**
     * The reduced row loss of logits z = scale * f; writes dL/df when {@code marginedGrad} is not null. Ignored rows
     * get zero gradient.
     */
    LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined, int[] labels,
            float[] marginedGrad);

    /** out_i = cos(left_i, right_i) for row pairs. */
    void pairCosines(float[] left, float[] right, int dim, float[] out);

    /**
     * For each query row, the k gallery rows of highest cosine, best first (ties: lower index first); writes
     * indices[q*k + r] and scores[q*k + r]. Extra memory is bounded independently of the gallery size.
     */
    void topK(float[] queries, float[] gallery, int dim, int k, int[] indices, float[] scores);

    /**
     * A coordinate-wise regression loss (Wing): returns weight * sum_i l(x_i, y_i) with x_i = predictions_i -
     * targets_i and y_i = targets_i, summed in double in a fixed order, and writes gradOut_i = weight dl/dx(x_i, y_i)
     * when {@code gradOut} is not null. The facade has checked equal lengths, finite values, targets in the loss's
     * range and |x_i| &lt;= {@link RegressionLoss#MAX_RESIDUAL}.
     *
     * @param weight the reduction's factor: 1 / samples for the mean, 1 for the sum
     */
    double regressionLoss(RegressionLoss loss, float[] predictions, float[] targets, double weight, float[] gradOut);

    /** Releases native resources; idempotent. */
    @Override
    void close();
}
