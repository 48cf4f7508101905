package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.spec.RegressionSpec;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.ClassShard;
import org.marginkernels.spi.GalleryScan;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.RowLogProb;
import org.marginkernels.spi.TopK;

/**
 * The CPU backend ("cpu"): every kernel of a margin softmax loss on float arrays, with Vector API micro-kernels
 * ({@link PanamaKernels}) or, where {@code jdk.incubator.vector} is not readable, scalar ones ({@link ScalarKernels})
 * running the same algorithm. Losses are compiled from their {@link KernelSpec}: per-row values (f(c_y), f'(c_y),
 * F(lp), F'(lp)) use the spec's double evaluators, the batch x classes negative path and the softmax exponentials
 * run as vector code compiled from the spec's expressions (a tree of vector lambdas).
 *
 * <p><b>Fused forward and backward</b> ({@link #forwardBackward}) never materializes the batch x classes logits.
 * Classes are cut into tiles of {@value #DEFAULT_TILE_CLASSES} (a constant, independent of the thread count):
 * <ol>
 * <li>normalize the features once (norms in double); per row, the target cosine c_y by the very operations of the
 * cosine tile's GEMM (so a class whose weights equal the target's ties with it bit for bit) and f_y = f(c_y) with
 * the spec's double evaluator (f_y is known before the tiles, as the SV/MV transforms need);</li>
 * <li>forward pass over tiles: the cosine tile C_t = X^ W_t^T / |w_j| (one register-blocked GEMM, 4 or 8 rows x 2
 * vectors ({@link PanamaGemm}), X^ packed once in row blocks, the inverse class norms folded into the packed weight
 * panel), the non-target
 * logits z = s g(c, f_y) (vector code compiled from the spec) and the tile's per-row (max, sum exp(z - max)) of the
 * non-targets, reduced without storing the logits and {@value FusedMarginSoftmax#ROW_CHUNK} rows at a time, right
 * after the GEMM wrote them, so they are read from L2;</li>
 * <li>per row, the partials merged in tile order in double, then the target added as lse = z_y + log1p(r),
 * r = sum_{j != y} exp(z_j - z_y), so lp = -log1p(r) and 1 - p_y = -expm1(lp) stay exact when p_y is near 1;
 * loss F(lp) and coef = w s F'(lp) (w = 1/N for the mean, 1 for the sum) with the spec's double evaluators;</li>
 * <li>backward pass over tiles: dL/dc_ij = -coef p_ij g'(c_ij) off the target (vectorized, into the worker's tile
 * buffer, so a cached tile is only read back) and
 * (coef (1 - p_y) - coef sum_{j != y} p_ij dg/dfy) f'(c_y) on it (the sum is one more pass over the tiles, taken
 * only for transforms whose dg/dfy is not identically zero), then dX^ += dC W^_t and dW^_t = dC^T X^ (two more
 * GEMMs) and the normalization backward of the tile's weight rows; finally the normalization backward of the
 * features. Normalization backward runs in double (it is O((B + C) D)), so gradients that cancel, as for dim 1
 * where they are exactly zero, do not pick up float residue.</li>
 * </ol>
 * Cost: 6 B C D flops (three GEMMs) plus O(B C) exponentials; forward only is the first GEMM, about a third.
 *
 * <p><b>Weights are checked here, not by the facade</b> ({@link #checksWeightRows()}): the class-norm pass computes
 * every weight row's double sum of squares anyway, so it applies {@link org.marginkernels.spi.RowCheck} there and,
 * after the first pass over the tiles and before any output is written, throws for the lowest invalid row. That
 * saves the facade's single-threaded pass over the largest operand (C x D floats, several percent of a step).
 *
 * <p><b>Workspace.</b> {@link BackendOptions#workspaceBytes()} (default 256 MiB) bounds the extra memory of a fused
 * call: normalized and packed features, inverse class norms, per-tile (max, sum) partials, per-worker tile buffers,
 * up to {@value FusedMarginSoftmax#MAX_CHUNKS} dX^ partials, and then as many cosine tiles as still fit are kept from
 * the forward pass for the backward pass (all of them for B = 256, C = 100 000: 102 MB); tiles that do not fit are
 * recomputed, which costs one more GEMM (2 B D flops per class). Arrays are reused across calls.
 *
 * <p><b>Values.</b> Every row the facade accepts (finite, norm in [1e-15, 2^126]) gives finite results: rows are
 * normalized before any product (1/|x| is a normal float), sums of squares fall back to double where float
 * would overflow or lose digits, the normalization backward takes g . x in double for rows outside
 * [2^-30, 2^30] in norm, and {@link #cosineLogitsBackward} scales dL/dc rows and columns of large-norm rows by
 * powers of two so that its float sums stay finite for any dL/dc the facade accepts.
 *
 * <p><b>Threads and determinism.</b> Tiles (and chunks of consecutive tiles in the backward pass) are tasks of a
 * fixed pool of {@link BackendOptions#resolvedThreads()} workers (the calling thread is one), closed by
 * {@link #close()}. Concurrent calls share the pool; each call takes the backend's idle workspace or, when another
 * call holds it, a fresh one, so concurrent calls give exactly the results of the same calls made one at a time.
 * After {@link #close()} every call throws IllegalStateException. Each tile's dW rows
 * and (max, sum) partials are written only by the task that owns the tile; each chunk accumulates its own dX^
 * partial in tile order, and partials are merged in chunk order. Tile size and chunk count do not depend on the
 * thread count, so results are bit-identical run to run and for 1 or N threads. The vector exponential is a
 * polynomial of adds and FMAs and lane sums are a fixed tree of lane-wise adds, so code that is still interpreted
 * and code that C2 has compiled give the same bits too (a negative transform that itself calls exp, log or a
 * trigonometric operator would run the JDK's vector versions of those, whose last bit may differ between the two;
 * no catalogue transform does).
 *
 * <p><b>Dynamic AdaCos</b> needs lse_i over non-targets of s_prev c and the target cosines before the scale is known:
 * one extra pass over the tiles, which computes and caches the cosine tiles (so the forward pass reuses them when the
 * budget keeps them all) and costs the exponentials of the batch x classes matrix once more; when tiles cannot be
 * cached it costs one more GEMM as well, 2 B C D flops. Measured at (256, 512, 100 000) with everything cached,
 * the pass adds about 5% to a forward+backward step (30-40 ms of CPU time out of about 700).
 */
public final class CpuBackend implements KernelBackend {

    /** The name users select it by. */
    public static final String NAME = "cpu";

    /** Classes per tile: a multiple of every panel width, 256 x 512 floats of packed weights fit in L2. */
    static final int DEFAULT_TILE_CLASSES = 256;

    /**
     * The largest logit magnitude whose float rounding (at most 2^-4 here) keeps the exponents s f - max and
     * s f - lse of {@link #scaledSoftmaxCrossEntropy}'s vector kernels finite and within the exp kernels' domain;
     * rows past it (logits up to 2^100) run in double.
     */
    private static final double FLOAT_LSE = 0x1p20;

    private final CpuKernels kernels;
    private final WorkerPool pool;
    // the workspace no call holds; a call that finds none (another call holds it) makes one of its own
    private final AtomicReference<Workspace> idle = new AtomicReference<>(new Workspace());
    private final long budgetBytes;
    private final int tileClasses;
    // instantiated once per spec; the classes behind are cached by the spec's structure, so a new parameter value makes no class (fresh classes every step would also make the JIT's
    // call-site profiles megamorphic)
    private final Map<KernelSpec, NegativeCode> compiled = new WeakHashMap<>();
    // a regression loss's compiled l and dl/dx, per spec; the classes behind are cached by structure as above
    private final Map<RegressionSpec, RegressionCode> compiledRegressions = new WeakHashMap<>();
    private volatile boolean closed;

    CpuBackend(CpuKernels kernels, BackendOptions options) {
        this(kernels, options, DEFAULT_TILE_CLASSES);
    }

    CpuBackend(CpuKernels kernels, BackendOptions options, int tileClasses) {
        if (tileClasses % kernels.panelWidth() != 0) {
            throw new IllegalArgumentException("tileClasses must be a multiple of " + kernels.panelWidth());
        }
        this.kernels = kernels;
        this.pool = new WorkerPool(options.resolvedThreads());
        this.budgetBytes = options.workspaceBytes();
        this.tileClasses = tileClasses;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Which micro-kernels run: "panama 256-bit", "panama 128-bit", ..., or "scalar". */
    public String kernelsDescription() {
        return kernels.description();
    }

    /**
     * How many expression classes the kernels have compiled in this JVM, for every cpu backend together: one per
     * negative-transform structure (see {@code KernelSpec.negativeArguments()}), none for a new parameter value.
     */
    public long compiledExpressionClasses() {
        return kernels.compiledClasses();
    }

    /** The fused pass computes every class norm anyway: {@link ClassTiles#classNorms} checks the rows there. */
    @Override
    public boolean checksWeightRows() {
        return true;
    }

    @Override
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        NegativeCode code = negativeCode(loss.spec());
        return withWorkspace(workspace -> new FusedMarginSoftmax(kernels, pool, workspace, budgetBytes, tileClasses)
                .run(loss, code, features, weights, labels, dim, featureGrad, weightGrad));
    }

    @Override
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad, ClassShard shard) {
        NegativeCode code = negativeCode(loss.spec());
        return withWorkspace(workspace -> new FusedMarginSoftmax(kernels, pool, workspace, budgetBytes, tileClasses)
                .run(loss, code, features, weights, labels, dim, featureGrad, weightGrad, shard));
    }

    /**
     * Reads the off-heap weights in place, a class tile at a time ({@link SegmentRows}): no copy of W or dW, so
     * they may exceed 2^31 floats; results equal the float[] path's bit for bit.
     */
    @Override
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, MemorySegment weights,
            long weightsOffset, int classes, int[] labels, int dim, float[] featureGrad, MemorySegment weightGrad,
            long weightGradOffset) {
        NegativeCode code = negativeCode(loss.spec());
        int rows = Math.multiplyExact(classes, loss.subCenters());
        MatrixRows w = MatrixRows.of(weights, weightsOffset, rows, dim);
        MatrixRows dw = weightGrad == null ? null : MatrixRows.of(weightGrad, weightGradOffset, rows, dim);
        return withWorkspace(workspace -> new FusedMarginSoftmax(kernels, pool, workspace, budgetBytes, tileClasses)
                .run(loss, code, features, w, labels, dim, featureGrad, dw, null));
    }

    /**
     * Runs one call with a workspace of its own: the idle one, or a fresh one while another call holds it; the
     * workspace is kept for the next call unless another call returned one first or the backend closed.
     */
    private <T> T withWorkspace(Function<Workspace, T> call) {
        open();
        Workspace taken = idle.getAndSet(null);
        Workspace workspace = taken != null ? taken : new Workspace();
        try {
            return call.apply(workspace);
        } finally {
            if (!closed) {
                idle.compareAndSet(null, workspace);
            }
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("backend " + NAME + " is closed");
        }
    }

    private NegativeCode negativeCode(KernelSpec spec) {
        open();
        synchronized (compiled) {
            return compiled.computeIfAbsent(spec, kernels::compile);
        }
    }

    @Override
    public void l2Normalize(float[] input, int dim, float[] output, float[] norms) {
        open();
        for (int r = 0; r < input.length / dim; r++) {
            double sumOfSquares = kernels.sumOfSquares(input, r * dim, dim);
            kernels.scale(input, r * dim, ClassTiles.inverseNorm(sumOfSquares), output, r * dim, dim);
            if (norms != null) {
                norms[r] = (float) Math.sqrt(sumOfSquares);
            }
        }
    }

    @Override
    public void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim, float[] inputGrad) {
        open();
        for (int r = 0; r < norms.length; r++) {
            NormalizationBackward.fromNormalized(outputGrad, r * dim, output, r * dim, norms[r], dim, inputGrad,
                    r * dim);
        }
    }

    @Override
    public void cosineLogits(float[] features, float[] weights, int dim, float[] cosines) {
        withWorkspace(workspace -> {
            ClassTiles ct = new ClassTiles(kernels, workspace, features, weights, dim, tileClasses, false);
            pool.run(ct.tiles, (t, w) -> {
                float[] tile = ct.workerBuffer(w, ClassTiles.COSINE_TILE, ct.tileFloats());
                ct.cosineTile(t, w, ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats()), tile, 0);
                for (int i = 0; i < ct.batch; i++) {
                    System.arraycopy(tile, i * ct.tile, cosines, i * ct.classes + ct.start(t), ct.width(t));
                }
            });
            return null;
        });
    }

    @Override
    public void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad,
            float[] featureGrad, float[] weightGrad) {
        withWorkspace(workspace -> {
            ClassTiles ct = new ClassTiles(kernels, workspace, features, weights, dim, tileClasses, true);
            MatrixRows dw = weightGrad == null ? null : MatrixRows.of(weightGrad, dim);
            if (weightGrad != null) {
                ct.packedFeatures();
            }
            float[] rowScale = featureGrad == null ? null : ct.featureScales();
            long partialFloats = (long) ct.batch * ct.dimPadded;
            int chunks = featureGrad == null ? 0 : FusedMarginSoftmax.dxChunks(ct.tiles, partialFloats, budgetBytes);
            float[] partials = chunks == 0 ? null
                    : workspace.floats(FusedMarginSoftmax.DX_PARTIALS, chunks * partialFloats);
            int tasks = chunks == 0 ? ct.tiles : chunks;
            pool.run(tasks, (task, w) -> {
                int dxOff = (int) (task * partialFloats);
                if (partials != null) {
                    Arrays.fill(partials, dxOff, (int) (dxOff + partialFloats), 0f);
                }
                float[] pack = ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats());
                float[] dwHat = ct.workerBuffer(w, ClassTiles.DW_HAT, ct.packFloats());
                float[] scratch = ct.workerBuffer(w, ClassTiles.COSINE_TILE, ct.tileFloats());
                for (int t = ct.chunkStart(task, chunks); t < ct.chunkStart(task + 1, chunks); t++) {
                    ct.classNorms(t, w);
                    ct.backwardTileScaled(t, cosineGrad, rowScale, pack, dwHat, scratch, partials, dxOff, dw, w);
                }
            });
            if (featureGrad != null) {
                ct.featureGradFromPartials(partials, chunks, rowScale, null, featureGrad);
            }
            return null;
        });
    }

    @Override
    public void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        KernelSpec spec = loss.spec();
        NegativeCode code = negativeCode(spec);
        int classes = cosines.length / labels.length;
        for (int i = 0; i < labels.length; i++) {
            int row = i * classes;
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                System.arraycopy(cosines, row, margined, row, classes);
                continue;
            }
            float fy = (float) spec.target(cosines[row + y]);
            kernels.logits(code, cosines, row, classes, kernels.rowArgument(code, fy), 1f, margined, row);
            margined[row + y] = fy;
        }
    }

    @Override
    public void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        KernelSpec spec = loss.spec();
        NegativeCode code = negativeCode(spec);
        int classes = cosines.length / labels.length;
        for (int i = 0; i < labels.length; i++) {
            int row = i * classes;
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                Arrays.fill(cosineGrad, row, row + classes, 0f);
                continue;
            }
            double cy = cosines[row + y];
            float fy = (float) spec.target(cy);
            float arg = kernels.rowArgument(code, fy);
            // dg/dfy summed over j != y before cosineGrad (which may alias nothing) is overwritten
            double through = marginedGrad[row + y] + kernels.rowArgumentGradient(code, fy)
                    * (kernels.targetPathDot(code, cosines, row, marginedGrad, row, y, arg)
                    + kernels.targetPathDot(code, cosines, row + y + 1, marginedGrad, row + y + 1, classes - y - 1,
                            arg));
            kernels.chain(code, cosines, row, marginedGrad, row, classes, arg, cosineGrad, row);
            cosineGrad[row + y] = (float) (through * spec.targetGradient(cy));
        }
    }

    @Override
    public LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined, int[] labels,
            float[] marginedGrad) {
        open();
        KernelSpec spec = loss.spec();
        int classes = margined.length / labels.length;
        LossResult.Reducer reducer = new LossResult.Reducer(loss, labels);
        float s = (float) scale;
        double smoothing = loss.labelSmoothing();
        double q = smoothing / classes;
        for (int i = 0; i < labels.length; i++) {
            int row = i * classes;
            int y = labels[i];
            if (y == loss.ignoreLabel()) {
                if (marginedGrad != null) {
                    Arrays.fill(marginedGrad, row, row + classes, 0f);
                }
                continue;
            }
            // the non-target sum is accumulated apart from the target's exp(0) = 1, which would swamp it in float,
            // and lp = -log1p(S e^(m - z_y)) keeps its digits where p_y is near 1 (RowLogProb, as the reference)
            float maxOther = kernels.logitMaxSkipping(null, margined, row, classes, y, 0f, s);
            // exact (a product of two floats fits a double), like the non-target logits in the kernels' FMAs: equal
            // margined values tie exactly
            double zy = (double) s * margined[row + y];
            // past FLOAT_LSE the float max is off the exact one by more than exp can take: the row runs in double
            boolean wide = Math.max(Math.abs(maxOther), Math.abs(zy)) > FLOAT_LSE;
            double m = wide ? Math.max(exactMax(margined, row, classes, s), zy) : Math.max(maxOther, zy);
            double nonTarget;
            if (maxOther == Float.NEGATIVE_INFINITY) {
                nonTarget = 0;
            } else if (wide) {
                nonTarget = 0;
                for (int j = 0; j < classes; j++) {
                    nonTarget += j == y ? 0 : Math.exp((double) s * margined[row + j] - m);
                }
            } else {
                nonTarget = kernels.logitExpSumSkipping(null, margined, row, classes, y, 0f, s, maxOther)
                        * Math.exp(maxOther - m);
            }
            double lp = RowLogProb.of(zy - m, nonTarget);
            double shifted = RowLogProb.shiftedLogSumExp(zy - m, nonTarget);
            double lse = m + shifted;
            // label smoothing (FusedPlan): -lp + epsilon (z_y - mean_j z_j)
            double smoothed = smoothing == 0 ? 0
                    : smoothing * (zy - scale * kernels.logitSum(null, margined, row, classes, 0f) / classes);
            reducer.add(i, spec.rowLoss(lp) + smoothed);
            if (marginedGrad != null) {
                double rowCoef = reducer.weight(i) * scale * spec.rowLossGradient(lp);
                if (!wide) {
                    // p_j = e^(z_j - fl(lse)) e^(fl(lse) - lse): the second factor restores what rounding lse to
                    // float moved (a relative 1e-4 of p at |lse| = 3000)
                    float floatLse = (float) lse;
                    float coef = (float) (rowCoef * Math.exp(floatLse - lse));
                    float mass = (float) (q * Math.exp(lse - floatLse));
                    kernels.softmaxGradient(null, margined, row, classes, 0f, s, floatLse, coef, mass, marginedGrad,
                            row);
                } else {
                    float coef = (float) rowCoef;
                    for (int j = 0; j < classes; j++) {
                        // z_j - m first: m + shifted rounds shifted away when m is near 2^100
                        marginedGrad[row + j] = (float) (-coef * (Math.exp(((double) s * margined[row + j] - m)
                                - shifted) - q));
                    }
                }
                marginedGrad[row + y] = (float) (-rowCoef * (Math.expm1(lp) + smoothing - q));
            }
        }
        return reducer.result(scale, java.util.Optional.empty());
    }

    /** max_j s f_j in double: each product of two floats is exact there. */
    private static double exactMax(float[] margined, int row, int classes, float s) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            max = Math.max(max, (double) s * margined[row + j]);
        }
        return max;
    }

    @Override
    public void pairCosines(float[] left, float[] right, int dim, float[] out) {
        open();
        for (int r = 0; r < out.length; r++) {
            double ll = kernels.sumOfSquares(left, r * dim, dim);
            double rr = kernels.sumOfSquares(right, r * dim, dim);
            // raw rows of norm up to 2^126 overflow a float dot product, tiny ones lose its digits to subnormals
            double dot = CpuKernels.inFloatRange(ll) && CpuKernels.inFloatRange(rr)
                    ? kernels.dot(left, r * dim, right, r * dim, dim)
                    : CpuKernels.exactDot(left, r * dim, right, r * dim, dim);
            out[r] = (float) (dot / (Math.sqrt(ll) * Math.sqrt(rr)));
        }
    }

    @Override
    public void topK(float[] queries, float[] gallery, int dim, int k, int[] indices, float[] scores) {
        withWorkspace(workspace -> {
            topK(workspace, queries, gallery, dim, k, indices, scores);
            return null;
        });
    }

    private void topK(Workspace workspace, float[] queries, float[] gallery, int dim, int k, int[] indices,
            float[] scores) {
        ClassTiles ct = new ClassTiles(kernels, workspace, queries, gallery, dim, tileClasses, false);
        int q = ct.batch;
        TopK[][] perWorker = new TopK[pool.size()][];
        pool.run(ct.tiles, (t, w) -> {
            if (perWorker[w] == null) {
                perWorker[w] = GalleryScan.selectors(q, k);
            }
            TopK[] selectors = perWorker[w];
            float[] tile = ct.workerBuffer(w, ClassTiles.COSINE_TILE, ct.tileFloats());
            ct.cosineTile(t, w, ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats()), tile, 0);
            int j0 = ct.start(t);
            for (int i = 0; i < q; i++) {
                TopK sel = selectors[i];
                for (int j = 0; j < ct.width(t); j++) {
                    float c = tile[i * ct.tile + j];
                    // an equal score may still win by a lower index, so only strictly lower ones are skipped
                    if (c >= sel.threshold()) {
                        sel.offer(j0 + j, j0 + j, c);
                    }
                }
            }
        });
        GalleryScan.drain(perWorker, q, k, indices, scores);
    }

    /**
     * One pass on the calling thread over the coordinates with the spec's l and dl/dx compiled to vector code,
     * float sums reduced to double every 512 coordinates in a fixed order (see {@link CpuKernels#regression}).
     */
    @Override
    public double regressionLoss(RegressionLoss loss, float[] predictions, float[] targets, double weight,
            float[] gradOut) {
        open();
        RegressionCode code;
        synchronized (compiledRegressions) {
            code = compiledRegressions.computeIfAbsent(loss.spec(), kernels::compile);
        }
        return weight * kernels.regression(code, predictions, targets, predictions.length, (float) weight, gradOut);
    }

    /** Stops the workers and drops the idle workspace; idempotent. A call still running finishes on its own. */
    @Override
    public void close() {
        closed = true;
        pool.close();
        idle.set(null);
    }
}
