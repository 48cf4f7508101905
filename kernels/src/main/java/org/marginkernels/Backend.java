package org.marginkernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import org.marginkernels.spi.ArgumentChecks;
import org.marginkernels.spi.ClassShard;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.RowCheck;

/**
 * The public entry point to a backend: every method checks its arguments once, throwing
 * {@link IllegalArgumentException} that names the argument and the expected value before anything is written, and
 * then delegates to the implementation ({@code reference}, {@code cpu}, {@code opencl}, {@code cuda}). Obtain one
 * from {@link Backends}; close it to release native resources.
 *
 * <p>Shapes: features float[batch * dim], weights float[classes * dim], row-major, raw (not normalized);
 * labels int[batch], batch = labels.length, classes = weights.length / dim (weights.length / (K dim) for a loss of
 * K {@link MarginSoftmax#subCenters() sub-centers} per class). Sizes are checked in long arithmetic:
 * an output that would exceed the largest Java array is an IllegalArgumentException.
 *
 * <p><b>What every method accepts.</b> Every element finite. Rows that are normalized (features, weights, queries,
 * gallery, pair rows) have an L2 norm in [{@link RowCheck#MIN_NORM}, {@link RowCheck#MAX_NORM}] = [1e-15, 2^126],
 * so any finite element is accepted as long as its row's norm stays below 2^126 (about 8.5e37). Scales are in
 * (0, {@link ScalePolicy#MAX_SCALE}]. Upstream gradients are bounded where the result could otherwise leave the
 * float range (each method says how). Outputs are arrays of their own, never one of the inputs or another output.
 * Within these ranges every result is finite; outside them the call throws IllegalArgumentException before
 * anything is written.
 *
 * <p><b>Threads.</b> A Backend may be shared: concurrent calls give the same results as the same calls made one
 * at a time (the cpu backend gives a call that finds its scratch memory in use scratch of its own; the GPU
 * backends run calls one after another). After {@link #close()} every call throws IllegalStateException.
 */
public final class Backend implements AutoCloseable {

    /** The largest |upstream gradient| element {@link #marginBackward} accepts, 2^64 (about 1.8e19). */
    public static final double MAX_UPSTREAM_GRADIENT = 0x1p64;

    /**
     * The largest gradient magnitude a layer-level backward may produce, 2^120: the facade rejects inputs whose
     * result bound (computed in double from the upstream gradient and the row norms) exceeds it, so that float
     * results and their intermediate sums stay finite.
     */
    static final double MAX_GRADIENT = 0x1p120;

    private final KernelBackend impl;
    private volatile boolean closed;

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
     * @param loss the loss; its scale is in (0, {@link ScalePolicy#MAX_SCALE}]. Not modified.
     * @param features raw embeddings, batch x dim, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param weights raw class weights, classes x dim (classes x K x dim for K sub-centers per class), finite, row
     *     norms in [1e-15, 2^126]. Not modified.
     * @param labels class per row in [0, classes), or the loss's ignore label. Not modified.
     * @param dim the embedding dimension, &gt; 0
     * @param featureGrad receives dL/dfeatures (batch x dim), or null to skip; not an input array. Modified.
     * @param weightGrad receives dL/dweights (the shape of weights), or null to skip; not an input array.
     *     Modified.
     * @return the loss, the scale used and the number of counted rows; all finite
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     * @throws IllegalStateException after {@link #close()}
     */
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        open();
        checkStep(loss, features, weights, labels, dim, featureGrad, weightGrad, null);
        return impl.forwardBackward(loss, features, weights, labels, dim, featureGrad, weightGrad);
    }

    /**
     * One training step of a loss that may keep state between steps (CurricularFace's t, dynamic AdaCos's scale):
     * computes the batch's {@link BatchStatistics} (target cosines and feature norms, in double, from the raw rows),
     * lets the loss's state rules advance {@code state}, binds the parameters it sets into the loss (no compilation:
     * compiled code is cached by expression structure), runs {@link #forwardBackward} with that loss and returns
     * the result with the state the next step starts from. For a stateless loss it is {@link #forwardBackward} and
     * returns {@code state} unchanged. Accepts what {@link #forwardBackward} accepts.
     *
     * @param state the state the previous step returned, or {@link LossState#empty()} at the first step. Not
     *     modified.
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     */
    public StepResult step(MarginSoftmax loss, LossState state, float[] features, float[] weights, int[] labels,
            int dim, float[] featureGrad, float[] weightGrad) {
        open();
        Checks.notNull("state", state);
        return checkedStep(loss, state, features, weights, labels, dim, featureGrad, weightGrad, null);
    }

    /**
     * {@link #forwardBackward(MarginSoftmax, float[], float[], int[], int, float[], float[])} with the class weights
     * and their gradient off-heap, so that they may exceed the largest Java array (2^31 floats): the weights are
     * classes x K x dim floats (K the loss's {@link MarginSoftmax#subCenters() sub-centers}), row-major, in native
     * byte order ({@link java.lang.foreign.ValueLayout#JAVA_FLOAT}), starting at <b>byte</b> offset
     * {@code weightsOffset} of {@code weights}; the gradient has the same shape at byte offset
     * {@code weightGradOffset} of {@code weightGrad}. Segments must be alive and readable from other threads (a
     * shared, global or automatic arena: backends read them from worker threads). The cpu backend reads them in
     * place a class tile at a time; other backends copy them into a float[] (see {@link KernelBackend}).
     *
     * @param weights raw class weights, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param weightsOffset byte offset of the first weight, a multiple of 4, in a segment aligned to 4 bytes
     * @param classes the number of classes, &gt; 0
     * @param weightGrad receives dL/dweights, or null to skip; writable, overlapping neither the weights nor wrapping
     *     {@code features} or {@code featureGrad}. Modified (only its classes x K x dim floats).
     * @param weightGradOffset byte offset of the first gradient element, as weightsOffset
     * @throws IllegalArgumentException on any invalid argument (out of bounds, misaligned, read-only, confined or
     *     closed segments, overlap); nothing is written then
     * @throws UnsupportedOperationException when a backend that copies meets weights beyond a Java array
     * @throws IllegalStateException after {@link #close()}
     */
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, MemorySegment weights, long weightsOffset,
            int classes, int[] labels, int dim, float[] featureGrad, MemorySegment weightGrad, long weightGradOffset) {
        open();
        checkSegmentProblem(loss, features, weights, weightsOffset, classes, labels, dim, featureGrad, weightGrad,
                weightGradOffset);
        return impl.forwardBackward(loss, features, weights, weightsOffset, classes, labels, dim, featureGrad,
                weightGrad, weightGradOffset);
    }

    /**
     * {@link #step(MarginSoftmax, LossState, float[], float[], int[], int, float[], float[])} with off-heap weights
     * as {@link #forwardBackward(MarginSoftmax, float[], MemorySegment, long, int, int[], int, float[],
     * MemorySegment, long)} takes them; the batch statistics read only the target rows.
     *
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     */
    public StepResult step(MarginSoftmax loss, LossState state, float[] features, MemorySegment weights,
            long weightsOffset, int classes, int[] labels, int dim, float[] featureGrad, MemorySegment weightGrad,
            long weightGradOffset) {
        open();
        Checks.notNull("state", state);
        double[] featureNorms = checkSegmentProblem(loss, features, weights, weightsOffset, classes, labels, dim,
                featureGrad, weightGrad, weightGradOffset);
        if (!loss.hasState()) {
            return new StepResult(impl.forwardBackward(loss, features, weights, weightsOffset, classes, labels, dim,
                    featureGrad, weightGrad, weightGradOffset), state);
        }
        WeightSource source = new WeightSource() {
            @Override
            public void copyRow(int row, float[] dst, int dstOff) {
                SegmentChecks.copyRow(weights, weightsOffset, row, dim, dst, dstOff);
            }

            @Override
            public void checkAll() {
                SegmentChecks.finiteRowsWithNorm("weights", weights, weightsOffset,
                        (long) classes * loss.subCenters(), dim);
            }
        };
        BatchStatistics batch = statistics(loss, features, featureNorms, source, classes, labels, dim, null);
        return loss.step(state, batch, labels, bound -> impl.forwardBackward(bound, features, weights, weightsOffset,
                classes, labels, dim, featureGrad, weightGrad, weightGradOffset));
    }

    /** The segment methods' checks, in the float[] path's order; returns the feature rows' norms. */
    private double[] checkSegmentProblem(MarginSoftmax loss, float[] features, MemorySegment weights,
            long weightsOffset, int classes, int[] labels, int dim, float[] featureGrad, MemorySegment weightGrad,
            long weightGradOffset) {
        Checks.notNull("loss", loss);
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        Checks.positive("classes", classes);
        long rows = (long) classes * loss.subCenters();
        long floats = Math.multiplyExact(rows, dim);
        SegmentChecks.floats("weights", weights, weightsOffset, floats, false);
        double[] featureNorms = checkLabelsAndFeatures(loss, features, labels, dim, batch, classes);
        Checks.length("featureGrad", featureGrad, features.length, "same shape as features");
        Checks.distinct(new Object[] {"featureGrad", featureGrad}, new Object[] {"features", features});
        SegmentChecks.notOver("weights", weights, "featureGrad", featureGrad);
        if (weightGrad != null) {
            SegmentChecks.floats("weightGrad", weightGrad, weightGradOffset, floats, true);
            SegmentChecks.disjoint("weightGrad", weightGrad, weightGradOffset, "weights", weights, weightsOffset,
                    floats * Float.BYTES);
            SegmentChecks.notOver("weightGrad", weightGrad, "features", features);
            SegmentChecks.notOver("weightGrad", weightGrad, "featureGrad", featureGrad);
        }
        if (!impl.checksWeightRows()) {
            SegmentChecks.finiteRowsWithNorm("weights", weights, weightsOffset, rows, dim);
        }
        return featureNorms;
    }

    /**
     * One class shard's part of {@link #step} in a class-sharded (model-parallel) loss: {@code weights} holds only
     * the classes [shard.first(), shard.first() + rows) of shard.classes(), {@code labels} are global, and every
     * shard of the step calls this with the same features and labels. The per-row partials of the fused plan are
     * merged across the shards through {@code shard.exchange()} (so the loss, the scale and a stateful loss's
     * {@link BatchStatistics} are those of the whole batch over all classes, the same on every shard); writes this
     * shard's dL/dweights and its share of dL/dfeatures, which summed over the shards is the unsharded gradient.
     *
     * @param shard the classes this call owns and the exchange with the other shards. Not modified.
     * @throws IllegalArgumentException on any invalid argument (labels are checked against shard.classes(), the
     *     weights' rows against it); nothing is written then
     * @throws UnsupportedOperationException if the backend does not run class shards
     */
    public StepResult step(MarginSoftmax loss, LossState state, float[] features, float[] weights, int[] labels,
            int dim, float[] featureGrad, float[] weightGrad, ClassShard shard) {
        open();
        Checks.notNull("state", state);
        Checks.notNull("shard", shard);
        return checkedStep(loss, state, features, weights, labels, dim, featureGrad, weightGrad, shard);
    }

    /** {@link #step}: checks, then statistics, state and the pass; {@code shard} null runs every class here. */
    private StepResult checkedStep(MarginSoftmax loss, LossState state, float[] features, float[] weights,
            int[] labels, int dim, float[] featureGrad, float[] weightGrad, ClassShard shard) {
        double[] featureNorms = checkStep(loss, features, weights, labels, dim, featureGrad, weightGrad, shard);
        if (!loss.hasState()) {
            return new StepResult(pass(loss, features, weights, labels, dim, featureGrad, weightGrad, shard), state);
        }
        BatchStatistics batch = statistics(loss, features, featureNorms, heapSource(weights, dim),
                weights.length / dim / loss.subCenters(), labels, dim, shard);
        return loss.step(state, batch, labels,
                bound -> pass(bound, features, weights, labels, dim, featureGrad, weightGrad, shard));
    }

    /** The float[] step's checks: the problem, then the gradients' shapes and aliasing. Returns the feature norms. */
    private double[] checkStep(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad, ClassShard shard) {
        double[] featureNorms = checkProblem(loss, features, weights, labels, dim, !impl.checksWeightRows(), shard);
        Checks.length("featureGrad", featureGrad, features.length, "same shape as features");
        Checks.length("weightGrad", weightGrad, weights.length, "same shape as weights");
        Checks.distinct(new Object[] {"featureGrad", featureGrad, "weightGrad", weightGrad},
                new Object[] {"features", features, "weights", weights});
        return featureNorms;
    }

    private LossResult pass(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad, ClassShard shard) {
        return shard == null ? impl.forwardBackward(loss, features, weights, labels, dim, featureGrad, weightGrad)
                : impl.forwardBackward(loss, features, weights, labels, dim, featureGrad, weightGrad, shard);
    }

    /**
     * Target cosines and feature norms of the counted rows, in double. The features are checked already; of the
     * weights only the target rows are read, so only they are checked here (a backend that checks weight rows itself
     * is not made to pay a second pass over all of them); if one fails, the whole check runs and reports the lowest
     * failing row, as every backend does.
     */
    private static BatchStatistics statistics(MarginSoftmax loss, float[] features, double[] featureNorms,
            WeightSource weights, int localClasses, int[] labels, int dim, ClassShard shard) {
        int sub = loss.subCenters();
        int first = shard == null ? 0 : shard.first();
        float[] targetRows = new float[Math.multiplyExact(labels.length, sub * dim)];
        boolean[] foreign = shard == null ? null : new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == loss.ignoreLabel()) {
                continue;
            }
            if (shard != null && !shard.owns(labels[i], localClasses)) {
                foreign[i] = true;
                continue;
            }
            for (int s = 0; s < sub; s++) {
                int row = (labels[i] - first) * sub + s;
                int at = (i * sub + s) * dim;
                weights.copyRow(row, targetRows, at);
                if (!RowCheck.passes(RowCheck.sumOfSquares(targetRows, at, dim))) {
                    weights.checkAll();
                }
            }
        }
        BatchStatistics local = BatchStatistics.ofTargetRows(loss, features, featureNorms, targetRows, labels, dim,
                shard == null ? localClasses : shard.classes());
        if (shard == null) {
            return local;
        }
        // another shard's class (its target row left zero here, so its cosine is NaN): its owner offers the
        // cosine, this shard -infinity to the rank-ordered max
        double[] cosines = local.targetCosines();
        for (int i = 0, n = 0; i < labels.length; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                cosines[n] = foreign[i] ? Double.NEGATIVE_INFINITY : cosines[n];
                n++;
            }
        }
        return new BatchStatistics(shard.exchange().max(cosines), local.featureNorms(), shard.classes());
    }

    /** Where {@link #statistics} reads weight rows: a float[] or an off-heap segment. */
    private interface WeightSource {

        /** Copies weight row {@code row} into dst[dstOff, dstOff + dim). */
        void copyRow(int row, float[] dst, int dstOff);

        /** Checks every row, throwing for the lowest that fails (as the facade's whole check does). */
        void checkAll();
    }

    private static WeightSource heapSource(float[] weights, int dim) {
        return new WeightSource() {
            @Override
            public void copyRow(int row, float[] dst, int dstOff) {
                System.arraycopy(weights, row * dim, dst, dstOff, dim);
            }

            @Override
            public void checkAll() {
                Checks.finiteRowsWithNorm("weights", weights, dim);
            }
        };
    }

    /**
     * The loss only (no gradients): the inference-time or validation loss. Accepts what {@link #forwardBackward}
     * accepts.
     *
     * @throws IllegalArgumentException on any invalid argument
     */
    public LossResult forward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim) {
        open();
        checkProblem(loss, features, weights, labels, dim, !impl.checksWeightRows());
        return impl.forwardBackward(loss, features, weights, labels, dim, null, null);
    }

    /**
     * L2 row normalization: output_i = input_i / |input_i|.
     *
     * @param input rows of dim floats, finite, norms in [1e-15, 2^126]. Not modified.
     * @param output same shape. Modified.
     * @param norms receives |input_i| per row (a float: the bound 2^126 keeps it finite), or null. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or a row norm outside [1e-15, 2^126]
     */
    public void l2Normalize(float[] input, int dim, float[] output, float[] norms) {
        open();
        Checks.positive("dim", dim);
        int rows = Checks.rows("input", input, dim);
        Checks.required("output", output, input.length, "same shape as input");
        Checks.length("norms", norms, rows, "one per row");
        Checks.distinct(new Object[] {"output", output, "norms", norms}, new Object[] {"input", input});
        Checks.finiteRowsWithNorm("input", input, dim);
        impl.l2Normalize(input, dim, output, norms);
    }

    /**
     * Backward of {@link #l2Normalize}: inputGrad_i = (g_i - (g_i . y_i) y_i) / |x_i| with g = outputGrad.
     * Accepts any finite y and g whose result bound |g_i| (1 + |y_i|^2) / |x_i| (in double) is at most 2^120, so
     * results and intermediate sums stay finite in float.
     *
     * @param output the normalized rows y, finite. Not modified.
     * @param norms |x_i| per row, in [1e-15, 2^126]. Not modified.
     * @param outputGrad dL/dy, finite. Not modified.
     * @param inputGrad receives dL/dx. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values, norms out of range or a result bound
     *     above 2^120
     */
    public void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim, float[] inputGrad) {
        open();
        Checks.positive("dim", dim);
        int rows = Checks.rows("output", output, dim);
        Checks.required("norms", norms, rows, "one per row");
        Checks.required("outputGrad", outputGrad, output.length, "same shape as output");
        Checks.required("inputGrad", inputGrad, output.length, "same shape as output");
        Checks.distinct(new Object[] {"inputGrad", inputGrad},
                new Object[] {"output", output, "norms", norms, "outputGrad", outputGrad});
        Checks.finite("output", output);
        Checks.finite("outputGrad", outputGrad);
        Checks.positiveNorms("norms", norms);
        for (int r = 0; r < rows; r++) {
            double g = Math.sqrt(RowCheck.sumOfSquares(outputGrad, r * dim, dim));
            double yy = RowCheck.sumOfSquares(output, r * dim, dim);
            checkGradientBound("outputGrad row " + r, g * (1 + yy) / norms[r]);
        }
        impl.l2NormalizeBackward(output, norms, outputGrad, dim, inputGrad);
    }

    /**
     * Cosine logits (the normalized inner product): cosines[i*C + j] = x^_i . w^_j.
     *
     * @param features raw rows, batch x dim, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param weights raw rows, classes x dim, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param cosines receives batch x classes, each in [-1, 1] up to float rounding. Modified.
     * @throws IllegalArgumentException on bad shapes (batch x classes beyond the largest array included),
     *     non-finite values or a row norm out of range
     */
    public void cosineLogits(float[] features, float[] weights, int dim, float[] cosines) {
        open();
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.rows("weights", weights, dim);
        Checks.required("cosines", cosines, Checks.product("batch x classes", batch, classes), "batch x classes");
        Checks.distinct(new Object[] {"cosines", cosines}, new Object[] {"features", features, "weights", weights});
        Checks.finiteRowsWithNorm("features", features, dim);
        Checks.finiteRowsWithNorm("weights", weights, dim);
        impl.cosineLogits(features, weights, dim, cosines);
    }

    /**
     * Backward of {@link #cosineLogits}: gradients of the raw features and weights from dL/dcosines. Accepts
     * rows as {@link #cosineLogits} does and any finite dL/dc whose result bounds, sum_j |dc_ij| / |x_i| per
     * feature row and sum_i |dc_ij| / |w_j| per class (in double), are at most 2^120.
     *
     * @param cosineGrad dL/dc, batch x classes, finite. Not modified.
     * @param featureGrad receives dL/dfeatures, or null. Modified.
     * @param weightGrad receives dL/dweights, or null. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values, a row norm out of range or a result
     *     bound above 2^120
     */
    public void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad,
            float[] featureGrad, float[] weightGrad) {
        open();
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.rows("weights", weights, dim);
        Checks.required("cosineGrad", cosineGrad, Checks.product("batch x classes", batch, classes),
                "batch x classes");
        Checks.length("featureGrad", featureGrad, features.length, "same shape as features");
        Checks.length("weightGrad", weightGrad, weights.length, "same shape as weights");
        Checks.distinct(new Object[] {"featureGrad", featureGrad, "weightGrad", weightGrad},
                new Object[] {"features", features, "weights", weights, "cosineGrad", cosineGrad});
        double[] featureNorms = Checks.finiteRowNorms("features", features, dim);
        double[] weightNorms = Checks.finiteRowNorms("weights", weights, dim);
        Checks.finite("cosineGrad", cosineGrad);
        double[] columnSums = new double[classes];
        for (int i = 0; i < batch; i++) {
            double rowSum = 0;
            for (int j = 0; j < classes; j++) {
                double a = Math.abs(cosineGrad[i * classes + j]);
                rowSum += a;
                columnSums[j] += a;
            }
            checkGradientBound("cosineGrad row " + i, rowSum / featureNorms[i]);
        }
        for (int j = 0; j < classes; j++) {
            checkGradientBound("cosineGrad column " + j, columnSums[j] / weightNorms[j]);
        }
        impl.cosineLogitsBackward(features, weights, dim, cosineGrad, featureGrad, weightGrad);
    }

    /**
     * The margin on a cosine matrix: margined = f(c) on each row's target, g(c, f_y) elsewhere (no scale).
     *
     * @param cosines batch x classes, finite, in [-2, 2] (values outside [-1, 1] are clamped by the margins). Not
     *     modified.
     * @param margined receives batch x classes. Modified.
     * @throws IllegalArgumentException on bad shapes, labels or cosines that are not finite or beyond +-2
     */
    public void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        open();
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        cosinesSuffice(loss);
        Checks.required("margined", margined, cosines.length, "same shape as cosines");
        Checks.distinct(new Object[] {"margined", margined}, new Object[] {"cosines", cosines});
        Checks.cosines("cosines", cosines);
        Checks.labels(labels, classes, loss.ignoreLabel());
        impl.marginForward(loss, cosines, labels, margined);
    }

    /**
     * Backward of {@link #marginForward}: dL/dc from dL/dmargined. The margins' derivatives are bounded (the cosine
     * clamp keeps 1/sqrt(1 - c^2) below about 2236), so |dL/dmargined| &lt;= {@link #MAX_UPSTREAM_GRADIENT} keeps
     * every result finite.
     *
     * @param cosines batch x classes, finite, in [-2, 2]. Not modified.
     * @param marginedGrad dL/df, batch x classes, finite, |element| &lt;= 2^64. Not modified.
     * @param cosineGrad receives dL/dc. Modified.
     * @throws IllegalArgumentException on bad shapes, labels, non-finite values, cosines beyond +-2 or |dL/df| above
     *     2^64
     */
    public void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        open();
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        cosinesSuffice(loss);
        Checks.required("marginedGrad", marginedGrad, cosines.length, "same shape as cosines");
        Checks.required("cosineGrad", cosineGrad, cosines.length, "same shape as cosines");
        Checks.distinct(new Object[] {"cosineGrad", cosineGrad},
                new Object[] {"cosines", cosines, "marginedGrad", marginedGrad});
        Checks.cosines("cosines", cosines);
        Checks.finite("marginedGrad", marginedGrad);
        for (int i = 0; i < marginedGrad.length; i++) {
            if (Math.abs(marginedGrad[i]) > MAX_UPSTREAM_GRADIENT) {
                throw new IllegalArgumentException("marginedGrad[" + i + "] must be in [-2^64, 2^64], got "
                        + marginedGrad[i]);
            }
        }
        Checks.labels(labels, classes, loss.ignoreLabel());
        impl.marginBackward(loss, cosines, labels, marginedGrad, cosineGrad);
    }

    /**
     * Scaled softmax cross-entropy (or focal loss) of logits z = scale * margined, with the loss's reduction, label
     * smoothing and ignore label; writes dL/dmargined when {@code marginedGrad} is not null. Accepts any finite margined values
     * whose logits s f are within +-2^100 (about 1.3e30).
     *
     * @param scale s in (0, {@link ScalePolicy#MAX_SCALE}] (see {@link #scaleFor} for adaptive policies)
     * @param margined batch x classes, finite, |scale * element| &lt;= 2^100. Not modified.
     * @param marginedGrad receives dL/dmargined, or null. Modified.
     * @throws IllegalArgumentException on bad shapes, labels, scale, non-finite values or a logit beyond 2^100, and
     *     for a loss with a norm regularizer (which {@link #forwardBackward} and {@link #step} apply)
     */
    public LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined, int[] labels,
            float[] marginedGrad) {
        open();
        if (loss != null && loss.spec().hasRegularizer()) {
            throw new IllegalArgumentException("loss " + loss + " adds a regularizer of the feature norm, which this "
                    + "layer method does not see: use forwardBackward or step");
        }
        pooledCosinesSuffice(loss);
        int classes = checkMatrix(loss, "margined", margined, labels);
        ArgumentChecks.lossFitsBatch(loss, labels.length);
        Checks.scale(scale);
        Checks.length("marginedGrad", marginedGrad, margined.length, "same shape as margined");
        Checks.distinct(new Object[] {"marginedGrad", marginedGrad}, new Object[] {"margined", margined});
        Checks.finiteLogits("margined", margined, scale);
        Checks.labels(labels, classes, loss.ignoreLabel());
        return impl.scaledSoftmaxCrossEntropy(loss, scale, margined, labels, marginedGrad);
    }

    /**
     * The scale the loss uses for this batch of cosines: the fixed scale, the fixed AdaCos scale, or the dynamic
     * AdaCos scale from the batch (see {@link ScalePolicy.AdaCosDynamic}); always in (0, MAX_SCALE].
     *
     * @param cosines the unmargined cosines, batch x classes, finite, in [-2, 2]. Not modified.
     * @throws IllegalArgumentException on bad shapes, labels or cosines that are not finite or beyond +-2
     */
    public double scaleFor(MarginSoftmax loss, float[] cosines, int[] labels) {
        open();
        int classes = checkMatrix(loss, "cosines", cosines, labels);
        pooledCosinesSuffice(loss);
        Checks.cosines("cosines", cosines);
        Checks.labels(labels, classes, loss.ignoreLabel());
        ArgumentChecks.scaleFitsClasses(loss, classes);
        return AdaCosScale.resolve(loss, labels, classes, (i, j) -> cosines[i * classes + j]);
    }

    /**
     * Cosine similarity of two embeddings: a . b / (|a| |b|), in [-1, 1]. Compare faces with a threshold on this
     * value (higher is more similar), not with a Euclidean distance; for unit vectors |a - b|^2 = 2 - 2 cos.
     *
     * @param a finite, norm in [1e-15, 2^126]. Not modified.
     * @param b finite, norm in [1e-15, 2^126]. Not modified.
     * @throws IllegalArgumentException if the lengths differ, are 0, or a vector is non-finite or its norm out of
     *     range
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
     * @param left rows of dim floats, finite, norms in [1e-15, 2^126]. Not modified.
     * @param right same shape and ranges. Not modified.
     * @param out one per row, in [-1, 1] up to float rounding. Modified.
     * @throws IllegalArgumentException on bad shapes, non-finite values or a row norm out of range
     */
    public void pairCosines(float[] left, float[] right, int dim, float[] out) {
        open();
        Checks.positive("dim", dim);
        int rows = Checks.rows("left", left, dim);
        Checks.required("right", right, left.length, "same shape as left");
        Checks.required("out", out, rows, "one per row pair");
        Checks.distinct(new Object[] {"out", out}, new Object[] {"left", left, "right", right});
        Checks.finiteRowsWithNorm("left", left, dim);
        Checks.finiteRowsWithNorm("right", right, dim);
        impl.pairCosines(left, right, dim, out);
    }

    /**
     * 1:N identification: for each query, the k gallery rows of highest cosine similarity, best first (ties: lower
     * index first). Extra memory does not grow with the gallery.
     *
     * @param queries rows of dim floats, finite, norms in [1e-15, 2^126]. Not modified.
     * @param gallery rows of dim floats, raw or normalized, same ranges. Not modified.
     * @param k results per query, 1 &lt;= k &lt;= gallery rows
     * @param indices receives queries x k gallery row indices. Modified.
     * @param scores receives queries x k cosines; not an input array. Modified.
     * @throws IllegalArgumentException on bad shapes (queries x k beyond the largest array included), k,
     *     non-finite values or a row norm out of range
     */
    public void topK(float[] queries, float[] gallery, int dim, int k, int[] indices, float[] scores) {
        open();
        Checks.positive("dim", dim);
        int q = Checks.rows("queries", queries, dim);
        int g = Checks.rows("gallery", gallery, dim);
        if (k < 1 || k > g) {
            throw new IllegalArgumentException("k must be in [1, " + g + "] (gallery rows), got " + k);
        }
        int results = Checks.product("queries x k", q, k);
        Checks.required("indices", indices, results, "queries x k");
        Checks.required("scores", scores, results, "queries x k");
        Checks.distinct(new Object[] {"scores", scores}, new Object[] {"queries", queries, "gallery", gallery});
        Checks.finiteRowsWithNorm("queries", queries, dim);
        Checks.finiteRowsWithNorm("gallery", gallery, dim);
        impl.topK(queries, gallery, dim, k, indices, scores);
    }

    /**
     * A coordinate-wise regression loss ({@link WingLoss}, {@link AdaptiveWingLoss}) of predictions against targets,
     * rows of {@code dim} coordinates per sample: L = weight sum_i l(p_i - t_i, t_i), weight = 1 / samples for
     * {@link Reduction#MEAN} (the Caffe Wing layer's loss / num) or 1 for {@link Reduction#SUM}, summed in double
     * in a fixed order.
     *
     * @param loss the loss. Not modified.
     * @param predictions samples x dim, finite. Not modified.
     * @param targets same shape, finite and in the loss's target range ([0, 1] for Adaptive Wing), with
     *     |predictions_i - targets_i| &lt;= {@link RegressionLoss#MAX_RESIDUAL}. Not modified.
     * @param dim coordinates per sample (10 for five 2-D landmarks), &gt; 0
     * @param gradOut receives dL/dpredictions (0 where a residual is exactly 0), or null to skip; not an input
     *     array. Modified.
     * @return the reduced loss, finite
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     */
    public double regressionLoss(RegressionLoss loss, float[] predictions, float[] targets, int dim,
            float[] gradOut) {
        open();
        Checks.notNull("loss", loss);
        Checks.positive("dim", dim);
        int samples = Checks.rows("predictions", predictions, dim);
        Checks.required("targets", targets, predictions.length, "same shape as predictions");
        Checks.length("gradOut", gradOut, predictions.length, "same shape as predictions");
        Checks.distinct(new Object[] {"gradOut", gradOut},
                new Object[] {"predictions", predictions, "targets", targets});
        Checks.finite("predictions", predictions);
        Checks.finite("targets", targets);
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < loss.targetMin() || targets[i] > loss.targetMax()) {
                throw new IllegalArgumentException("targets[" + i + "] must be in [" + loss.targetMin() + ", "
                        + loss.targetMax() + "] for " + loss.name() + ", got " + targets[i]);
            }
            double residual = (double) predictions[i] - targets[i];
            if (Math.abs(residual) > RegressionLoss.MAX_RESIDUAL) {
                throw new IllegalArgumentException("predictions[" + i + "] - targets[" + i + "] = " + residual
                        + " exceeds 2^64 in magnitude (RegressionLoss.MAX_RESIDUAL)");
            }
        }
        return impl.regressionLoss(loss, predictions, targets, loss.reductionWeight(samples), gradOut);
    }

    /** The implementation behind this facade, for tests and benchmarks that need the unchecked path. */
    public KernelBackend implementation() {
        return impl;
    }

    /**
     * Releases the backend's threads and native resources; idempotent. Later calls throw IllegalStateException.
     */
    @Override
    public void close() {
        closed = true;
        impl.close();
    }

    @Override
    public String toString() {
        return "Backend[" + impl.name() + "]";
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("backend " + impl.name() + " is closed");
        }
    }

    private static void checkGradientBound(String what, double bound) {
        if (!(bound <= MAX_GRADIENT)) {
            throw new IllegalArgumentException(what + " gives gradients up to " + bound + ", beyond 2^120 (the largest "
                    + "gradient a layer backward produces); scale the upstream gradient down");
        }
    }

    /**
     * @param weightRows whether to check the weights' values here; false when the backend checks them in its own
     *     pass ({@link KernelBackend#checksWeightRows()}): at C x D floats they are the largest operand, and a pass
     *     on the calling thread costs several percent of a step
     */
    /** @return the feature rows' norms, computed by the check */
    private static double[] checkProblem(MarginSoftmax loss, float[] features, float[] weights, int[] labels,
            int dim, boolean weightRows) {
        return checkProblem(loss, features, weights, labels, dim, weightRows, null);
    }

    /** As above; with a shard, labels range over all shards' classes and the weights' rows must fit the shard. */
    private static double[] checkProblem(MarginSoftmax loss, float[] features, float[] weights, int[] labels,
            int dim, boolean weightRows, ClassShard shard) {
        Checks.notNull("loss", loss);
        Checks.positive("dim", dim);
        int batch = Checks.rows("features", features, dim);
        int classes = Checks.subCenterRows("weights", weights, dim, loss.subCenters());
        if (shard != null) {
            if ((long) shard.first() + classes > shard.classes()) {
                throw new IllegalArgumentException("weights must hold at most shard.classes() - shard.first() = "
                        + (shard.classes() - shard.first()) + " classes, got " + classes);
            }
            classes = shard.classes();
        }
        double[] featureNorms = checkLabelsAndFeatures(loss, features, labels, dim, batch, classes);
        if (weightRows) {
            Checks.finiteRowsWithNorm("weights", weights, dim);
        }
        return featureNorms;
    }

    /** Labels (one per row, in [0, classes) or ignored), the loss's per-row bindings and scale, the features. */
    private static double[] checkLabelsAndFeatures(MarginSoftmax loss, float[] features, int[] labels, int dim,
            int batch, int classes) {
        ArgumentChecks.labelsPerRow(labels, batch, dim);
        Checks.labels(labels, classes, loss.ignoreLabel());
        ArgumentChecks.lossFitsBatch(loss, batch);
        ArgumentChecks.scaleFitsClasses(loss, classes);
        return Checks.finiteRowNorms("features", features, dim);
    }

    /**
     * The layer-level margin methods see cosines only: a margin that reads the feature norm needs the rows, and
     * per-row margins bound for a step belong to that step's batch.
     */
    private static void cosinesSuffice(MarginSoftmax loss) {
        pooledCosinesSuffice(loss);
        if (loss.hasRowMargins() && loss.spec().readsRowMargin()) {
            throw new IllegalArgumentException("loss " + loss.margin() + " reads per-row margins, which the "
                    + "layer-level margin methods do not take: use forwardBackward or step");
        }
        if (loss.spec().readsNorm()) {
            throw new IllegalArgumentException("loss " + loss.margin() + " reads the feature norm |x_i|, which the "
                    + "layer-level margin methods do not see: use forwardBackward or step, which take the raw rows");
        }
    }

    /**
     * The layer-level methods take one cosine per class: a loss of K &gt; 1 sub-centers pools each class's K cosines
     * (their max) inside the fused pass, which {@link #cosineLogits} (one column per weight row) does not do.
     */
    private static void pooledCosinesSuffice(MarginSoftmax loss) {
        if (loss != null && loss.subCenters() > 1) {
            throw new IllegalArgumentException("loss " + loss + " pools " + loss.subCenters() + " sub-centers per "
                    + "class, which the layer-level methods do not: use forwardBackward or step");
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
