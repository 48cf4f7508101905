package org.marginkernels.cpu;

import java.util.Arrays;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spi.ClassShard;
import org.marginkernels.spi.FusedPlan;
import org.marginkernels.spi.ShardedTiles;

/**
 * The logits-free forward and backward of a margin softmax loss over class tiles (see {@link CpuBackend} for the
 * algorithm, the workspace budget and the determinism argument). Never allocates batch x classes floats beyond the
 * cosine cache that the budget allows.
 */
final class FusedMarginSoftmax {

    /** Workspace slots of this class (between those of {@link ClassTiles}, below its worker slots). */
    private static final int CACHE = 4;
    static final int DX_PARTIALS = 5;
    /** The cached tiles' nearest sub-centers (a loss of K &gt; 1 sub-centers). */
    private static final int NEAREST_CACHE = 7;
    /** The most dX^ partials: enough tasks to balance many cores, few enough to merge cheaply. */
    static final int MAX_CHUNKS = 16;

    /**
     * Rows of a cosine tile computed and reduced together: 128 x 256 floats (128 KB) were written by the GEMM just
     * before, so the row reductions read them from L2 (or L3 where L2 is 512 KB and the packed tile takes as much at
     * D = 512), not from memory. A multiple of every GEMM row block ({@link CpuKernels#rowBlock}: 4 or 8).
     */
    static final int ROW_CHUNK = 128;

    private final CpuKernels kernels;
    private final WorkerPool pool;
    private final Workspace workspace;
    private final long budgetBytes;
    private final int tileClasses;

    FusedMarginSoftmax(CpuKernels kernels, WorkerPool pool, Workspace workspace, long budgetBytes, int tileClasses) {
        this.kernels = kernels;
        this.pool = pool;
        this.workspace = workspace;
        this.budgetBytes = budgetBytes;
        this.tileClasses = tileClasses;
    }

    /**
     * The whole loss through the one fused plan ({@link FusedPlan}); featureGrad and weightGrad (either may be null)
     * are overwritten.
     *
     * @param code the loss's negative transform compiled by the kernels, or null for the identity
     */
    LossResult run(MarginSoftmax loss, NegativeCode code, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        return run(loss, code, features, weights, labels, dim, featureGrad, weightGrad, null);
    }

    /**
     * As {@link #run} for one class shard (null: every class): the tiles cover the shard's weights and read its
     * local labels, and the plan sees them through {@link ShardedTiles}, with the global labels and class count.
     */
    LossResult run(MarginSoftmax loss, NegativeCode code, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad, ClassShard shard) {
        return run(loss, code, features, MatrixRows.of(weights, dim), labels, dim, featureGrad,
                weightGrad == null ? null : MatrixRows.of(weightGrad, dim), shard);
    }

    /** As {@link #run} for weights and their gradient held anywhere {@link MatrixRows} reads (off-heap). */
    LossResult run(MarginSoftmax loss, NegativeCode code, float[] features, MatrixRows weights, int[] labels,
            int dim, float[] featureGrad, MatrixRows weightGrad, ClassShard shard) {
        int sub = loss.subCenters();
        // a tile of K sub-centers per class: tileClasses classes, tileClasses K weight rows
        ClassTiles ct = new ClassTiles(kernels, workspace, features, weights, dim, tileClasses * sub, true);
        int local = ct.classes / sub;
        int classes = shard == null ? local : shard.classes();
        int ignore = loss.ignoreLabel();
        boolean backward = featureGrad != null || weightGrad != null;
        boolean dynamicScale = loss.fixedScale(classes).isEmpty();
        int[] tileLabels = shard == null ? labels : shard.localLabels(labels, local, ignore);
        FusedPlan.Tiles tiles = new Call(ct, sub, ignore, tileLabels, code, featureGrad, weightGrad, dynamicScale);
        return FusedPlan.run(loss, labels, classes,
                shard == null ? tiles : new ShardedTiles(tiles, shard, labels, ignore, local), backward);
    }

    /**
     * The tiles of one call: the workspace plan, the cosine cache and the per-tile (max, sum) partials. With K &gt; 1
     * sub-centers a tile's K-wide cosines are pooled to one cosine per class ({@link SubCenterPooling}) before any row
     * reduction; the cache keeps the pooled tile and each class's nearest sub-center, so the backward scatters dL/dc
     * to the nearest sub-centers without computing the K-wide tile again. With K = 1 the pooled tile is the cosine
     * tile itself.
     */
    private final class Call implements FusedPlan.Tiles {

        private final ClassTiles ct;
        private final int sub;
        /** Classes per pooled tile row: the tile's weight rows / K, rounded up. */
        private final int pooledTile;
        private final byte[] nearestCache;
        private final int ignore;
        private final int[] labels;
        private final NegativeCode code;
        private final float[] featureGrad;
        private final MatrixRows weightGrad;
        private final int chunks;
        private final int cached;
        private final float[] cache;
        private final double[] partMax;
        private final double[] partSum;
        // whether the cached tiles hold their cosines (after the first pass) and the weights have been checked
        private boolean filled;
        // f_y of the last softmax pass, and what the negative code takes in its place (CpuKernels.rowArgument)
        private float[] targets;
        private float[] fy;
        private float[] lse;
        private float lastScale = 1;

        Call(ClassTiles ct, int sub, int ignore, int[] labels, NegativeCode code, float[] featureGrad,
                MatrixRows weightGrad, boolean dynamicScale) {
            this.ct = ct;
            this.sub = sub;
            this.pooledTile = (ct.tile + sub - 1) / sub;
            this.ignore = ignore;
            this.labels = labels;
            this.code = code;
            this.featureGrad = featureGrad;
            this.weightGrad = weightGrad;
            int batch = ct.batch;
            int tiles = ct.tiles;
            // plan the workspace: dX^ partials (count independent of threads), then cached tiles with what is left
            long tileBytes = (sub == 1 ? 4L : 5L) * batch * pooledTile;
            long fixedBytes = 4L * ClassTiles.sharedFloats(batch, ct.classes, ct.dimPadded, kernels.rowBlock())
                    + 16L * tiles * batch
                    + 8L * 8 * batch;
            // 1/16 of the budget is kept back for what the plan does not itemize (the pool's task objects,
            // allocator rounding) and for the previous call's per-call arrays, which may not be collected yet:
            // measured at 128 x 512 x 1M, the peak was 1.03 x the budget with 1/32 kept back
            long left = budgetBytes - fixedBytes - budgetBytes / 16;
            long partialFloats = (long) batch * ct.dimPadded;
            this.chunks = featureGrad == null ? 0 : dxChunks(tiles, partialFloats, left);
            left -= 4L * chunks * batch * ct.dimPadded;
            boolean gradients = featureGrad != null || weightGrad != null;
            left -= (long) pool.size() * (4L * (2 * ct.packFloats() + ct.tileFloats() + ct.stagingFloats(weightGrad)
                    + (gradients ? ct.lhsFloats() : 0))
                    + (sub == 1 ? 0 : 5L * batch * pooledTile));
            boolean secondPass = featureGrad != null || weightGrad != null || dynamicScale;
            // the cache is one array: at most as many tiles as a Java array holds, whatever the budget
            this.cached = secondPass ? (int) Math.max(0, Math.min(Math.min(tiles, left / tileBytes),
                    Workspace.MAX_ARRAY / pooledFloats())) : 0;
            this.cache = cached == 0 ? null : workspace.floats(CACHE, cached * pooledFloats());
            this.nearestCache = cached == 0 || sub == 1 ? null : workspace.bytes(NEAREST_CACHE,
                    cached * pooledFloats());
            if (weightGrad != null) {
                ct.packedFeatures();
            }
            int parts = Workspace.arraySize((long) tiles * batch);
            this.partMax = new double[parts];
            this.partSum = new double[parts];
        }

        @Override
        public float[] targetCosines() {
            float[] cy = new float[ct.batch];
            float[] rowBuffer = ct.rowBuffer();
            int classes = ct.classes / sub;
            for (int i = 0; i < ct.batch; i++) {
                // a label past the last class is a class shard's "target elsewhere" (ClassShard#localLabels)
                if (labels[i] != ignore && labels[i] < classes) {
                    // the pooled cosine by SubCenterPooling's comparison (so -0 and 0 pool alike), bit for bit
                    // the tile's
                    float c = ct.cosine(i, labels[i] * sub, rowBuffer);
                    for (int k = 1; k < sub; k++) {
                        float ck = ct.cosine(i, labels[i] * sub + k, rowBuffer);
                        c = ck > c ? ck : c;
                    }
                    cy[i] = c;
                }
            }
            return cy;
        }

        /** Floats of one pooled tile: batch rows of {@link #pooledTile}. */
        private long pooledFloats() {
            return (long) ct.batch * pooledTile;
        }

        /** The array holding tile t's pooled cosines: the cache, or the worker's buffer. */
        private float[] pooledArray(int t, int worker) {
            if (t < cached) {
                return cache;
            }
            return sub == 1 ? ct.workerBuffer(worker, ClassTiles.COSINE_TILE, ct.tileFloats())
                    : ct.workerBuffer(worker, ClassTiles.POOLED_TILE, pooledFloats());
        }

        /** The array holding tile t's nearest sub-centers (K &gt; 1), at {@link #pooledOffset}. */
        private byte[] nearestArray(int t, int worker) {
            return t < cached ? nearestCache : ct.workerBytes(worker, ClassTiles.NEAREST, pooledFloats());
        }

        private int pooledOffset(int t) {
            return t < cached ? (int) (t * pooledFloats()) : 0;
        }

        /**
         * Rows [row0, row0 + rows) of tile t's cosines from its packed weights, pooled into
         * {@link #pooledArray} (K = 1: computed there directly).
         */
        private void computeRows(int t, int worker, float[] pack, int row0, int rows) {
            float[] pooled = pooledArray(t, worker);
            int off = pooledOffset(t);
            if (sub == 1) {
                ct.cosineRows(pack, pooled, off, row0, rows);
                return;
            }
            float[] raw = ct.workerBuffer(worker, ClassTiles.COSINE_TILE, ct.tileFloats());
            ct.cosineRows(pack, raw, 0, row0, rows);
            SubCenterPooling.pool(raw, 0, ct.tile, ct.width(t) / sub, sub, row0, rows, pooled,
                    nearestArray(t, worker), off, pooledTile);
        }

        /** The first class of tile t. */
        private int classStart(int t) {
            return ct.start(t) / sub;
        }

        /** The classes of tile t. */
        private int classWidth(int t) {
            return ct.width(t) / sub;
        }

        @Override
        public double[] featureNorms() {
            double[] norms = new double[ct.batch];
            for (int i = 0; i < ct.batch; i++) {
                norms[i] = ct.featureNorm(i);
            }
            return norms;
        }

        @Override
        public double[] nonTargetLogSumExp(float s, float[] rowTargets) {
            // a pass after the first reads the cached tiles' cosines instead of computing them again
            boolean again = filled;
            NegativeCode g = rowTargets == null ? null : code;
            float[] arguments = rowTargets == null ? null : rowArguments(rowTargets);
            pool.run(ct.tiles, (t, w) -> cosinesAndPartials(this, t, w, !(again && t < cached), labels, ignore, g,
                    arguments, s, partMax, partSum));
            if (!filled) {
                ct.rejectInvalidWeights();
                filled = true;
            }
            targets = rowTargets;
            fy = arguments;
            lastScale = s;
            double[] lse = new double[ct.batch];
            for (int i = 0; i < ct.batch; i++) {
                if (labels[i] != ignore) {
                    lse[i] = mergedLogSumExp(partMax, partSum, ct.tiles, ct.batch, i);
                }
            }
            return lse;
        }

        @Override
        public double[] nonTargetMax() {
            double[] max = new double[ct.batch];
            for (int i = 0; i < ct.batch; i++) {
                double m = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < ct.tiles; t++) {
                    m = Math.max(m, partMax[t * ct.batch + i]);
                }
                // the partials hold s g: the plan compares unscaled values
                max[i] = m / lastScale;
            }
            return max;
        }

        /** Per row what the negative code takes in f_y's place: f_y, or its per-row part computed once. */
        private float[] rowArguments(float[] rowTargets) {
            float[] arguments = new float[rowTargets.length];
            for (int i = 0; i < arguments.length; i++) {
                arguments[i] = kernels.rowArgument(code, rowTargets[i]);
            }
            return arguments;
        }

        @Override
        public double[] nonTargetSums(float[] rowTargets) {
            int batch = ct.batch;
            float[] arguments = rowArguments(rowTargets);
            // partSum is not read after the merge: it takes the per-tile sums, merged in tile order
            pool.run(ct.tiles, (t, w) -> {
                float[] tileArr = pooledArray(t, w);
                int off = pooledOffset(t);
                if (t >= cached) {
                    float[] pack = ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats());
                    ct.packTile(t, w, pack);
                    computeRows(t, w, pack, 0, batch);
                }
                int j0 = classStart(t);
                for (int i = 0; i < batch; i++) {
                    if (labels[i] != ignore) {
                        partSum[t * batch + i] = kernels.logitSumSkipping(code, tileArr, off + i * pooledTile,
                                classWidth(t), labels[i] - j0, arguments[i]);
                    }
                }
            });
            return tileOrderSums(batch);
        }

        /** Per counted row the sum of its per-tile values in partSum, in tile order; 0 on ignored rows. */
        private double[] tileOrderSums(int batch) {
            double[] sums = new double[batch];
            for (int i = 0; i < batch; i++) {
                double sum = 0;
                for (int t = 0; t < ct.tiles && labels[i] != ignore; t++) {
                    sum += partSum[t * batch + i];
                }
                sums[i] = sum;
            }
            return sums;
        }

        /** Per row q e^(lse - fl(lse)): the smoothing mass in the units of the kernels' p_j = e^(z_j - fl(lse)). */
        private float[] kernelMass(FusedPlan.Rows rows, float[] lseF) {
            float[] mass = new float[ct.batch];
            for (int i = 0; i < ct.batch && rows.q() != 0; i++) {
                mass[i] = (float) (rows.q() * Math.exp(rows.lse()[i] - lseF[i]));
            }
            return mass;
        }

        /**
         * The row log-sum-exp rounded to float, as the kernels take p_j = e^(z_j - fl(lse)); at s = 1e6, |lse|
         * reaches 1e7, whose float ulp of 1 would move p by a factor e, so the coefficients carry e^(fl(lse) - lse).
         */
        private float[] floatLse(FusedPlan.Rows rows) {
            if (lse == null) {
                lse = new float[ct.batch];
                for (int i = 0; i < ct.batch; i++) {
                    lse[i] = (float) rows.lse()[i];
                }
            }
            return lse;
        }

        @Override
        public double[] targetPathSums(FusedPlan.Rows rows) {
            float[] lseF = floatLse(rows);
            float[] mass = kernelMass(rows, lseF);
            int batch = ct.batch;
            if (code == null) {
                return new double[batch];
            }
            // partSum is not read after the merge: it takes the per-tile path sums, so no third array
            pool.run(ct.tiles, (t, w) -> {
                float[] tileArr = pooledArray(t, w);
                int off = pooledOffset(t);
                if (t >= cached) {
                    float[] pack = ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats());
                    ct.packTile(t, w, pack);
                    computeRows(t, w, pack, 0, batch);
                }
                int j0 = classStart(t);
                for (int i = 0; i < batch; i++) {
                    if (labels[i] != ignore) {
                        partSum[t * batch + i] = kernels.targetPathSumSkipping(code, tileArr, off + i * pooledTile,
                                classWidth(t), labels[i] - j0, fy[i], rows.s(), lseF[i], mass[i]);
                    }
                }
            });
            double[] path = tileOrderSums(batch);
            for (int i = 0; i < batch; i++) {
                // dg/df_y = dg/d(argument) d(argument)/df_y
                path[i] *= Math.exp(lseF[i] - rows.lse()[i]) * kernels.rowArgumentGradient(code, targets[i]);
            }
            return path;
        }

        @Override
        public void backward(FusedPlan.Rows rows, float[] targetGrad, double[] normGrad) {
            float[] lseF = floatLse(rows);
            float[] mass = kernelMass(rows, lseF);
            int batch = ct.batch;
            int tile = ct.tile;
            float s = rows.s();
            float[] coef = new float[batch];
            for (int i = 0; i < batch; i++) {
                coef[i] = (float) (rows.g()[i] * Math.exp(lseF[i] - rows.lse()[i]));
            }
            // dC per tile, then dX^ partial per chunk (tiles in order) and dW rows per tile
            int tasks = chunks == 0 ? ct.tiles : chunks;
            long partialFloats = (long) batch * ct.dimPadded;
            float[] partials = chunks == 0 ? null : workspace.floats(DX_PARTIALS, chunks * partialFloats);
            int partialSize = (int) partialFloats;
            pool.run(tasks, (task, w) -> {
                if (partials != null) {
                    Arrays.fill(partials, task * partialSize, (task + 1) * partialSize, 0f);
                }
                int firstTile = ct.chunkStart(task, chunks);
                int lastTile = ct.chunkStart(task + 1, chunks);
                float[] pack = ct.workerBuffer(w, ClassTiles.PACK, ct.packFloats());
                float[] dwHat = ct.workerBuffer(w, ClassTiles.DW_HAT, ct.packFloats());
                // dC goes to the worker's tile buffer, not over a cached tile: the cache lines stay clean, so the
                // cache is only read back from memory, never written back a second time (an uncached tile is
                // recomputed into this same buffer, and dC overwrites it in place); with K > 1 the pooled dC is
                // then scattered into the K-wide tile buffer
                float[] dcTile = ct.workerBuffer(w, ClassTiles.COSINE_TILE, ct.tileFloats());
                float[] dc = sub == 1 ? dcTile : ct.workerBuffer(w, ClassTiles.POOLED_TILE, pooledFloats());
                for (int t = firstTile; t < lastTile; t++) {
                    float[] tileArr = pooledArray(t, w);
                    int off = pooledOffset(t);
                    if (t >= cached) {
                        ct.packTile(t, w, pack);
                        computeRows(t, w, pack, 0, batch);
                    }
                    int j0 = classStart(t);
                    int n = classWidth(t);
                    for (int i = 0; i < batch; i++) {
                        int y = labels[i];
                        int rowOff = off + i * pooledTile;
                        int dcRow = i * pooledTile;
                        if (y == ignore) {
                            Arrays.fill(dc, dcRow, dcRow + n, 0f);
                            continue;
                        }
                        kernels.softmaxGradient(code, tileArr, rowOff, n, fy[i], s, lseF[i], coef[i], mass[i], dc,
                                dcRow);
                        if (y >= j0 && y < j0 + n) {
                            dc[dcRow + y - j0] = targetGrad[i];
                        }
                    }
                    if (sub > 1) {
                        SubCenterPooling.scatter(dc, 0, nearestArray(t, w), off, pooledTile, n, sub, batch, dcTile,
                                0, tile);
                    }
                    ct.backwardTile(t, dcTile, 0, tile, pack, dwHat, partials, task * partialSize, weightGrad, w);
                }
            });
            if (featureGrad != null) {
                ct.featureGradFromPartials(partials, chunks, null, normGrad, featureGrad);
            }
        }
    }

    /**
     * Tile t's cosines, pooled over sub-centers (unless {@code compute} is false: they are cached already), and its
     * non-target partials, {@link #ROW_CHUNK} rows at a time.
     */
    private void cosinesAndPartials(Call c, int t, int worker, boolean compute, int[] labels, int ignore,
            NegativeCode code, float[] fy, float s, double[] partMax, double[] partSum) {
        ClassTiles ct = c.ct;
        float[] pack = ct.workerBuffer(worker, ClassTiles.PACK, ct.packFloats());
        if (compute) {
            ct.packTile(t, worker, pack);
        }
        for (int row0 = 0; row0 < ct.batch; row0 += ROW_CHUNK) {
            int rows = Math.min(ROW_CHUNK, ct.batch - row0);
            if (compute) {
                c.computeRows(t, worker, pack, row0, rows);
            }
            nonTargetPartials(c, t, worker, row0, rows, labels, ignore, code, fy, s, partMax, partSum);
        }
    }

    /**
     * For counted rows [row0, row0 + rows) of tile t, the max and sum exp(z - max) of the non-target logits
     * z = s g(c, f_y) (g the identity when code is null) over the tile's classes, written to the tile's slots; a
     * tile holding only a row's target gets (-infinity, 0). The target is left out by cutting the row around it, so
     * no logit is stored.
     */
    private void nonTargetPartials(Call c, int t, int worker, int row0, int rows, int[] labels, int ignore,
            NegativeCode code, float[] fy, float s, double[] partMax, double[] partSum) {
        int batch = c.ct.batch;
        float[] tileArr = c.pooledArray(t, worker);
        int off = c.pooledOffset(t);
        int j0 = c.classStart(t);
        int n = c.classWidth(t);
        for (int i = row0; i < row0 + rows; i++) {
            int y = labels[i];
            if (y == ignore) {
                continue;
            }
            int row = off + i * c.pooledTile;
            float f = fy == null ? 0f : fy[i];
            float m = kernels.logitMaxSkipping(code, tileArr, row, n, y - j0, f, s);
            partMax[t * batch + i] = m;
            partSum[t * batch + i] = m == Float.NEGATIVE_INFINITY ? 0
                    : kernels.logitExpSumSkipping(code, tileArr, row, n, y - j0, f, s, m);
        }
    }

    /** M + log S of a row's per-tile (max, sum) partials, merged in tile order in double; -inf if all are empty. */
    static double mergedLogSumExp(double[] partMax, double[] partSum, int tiles, int batch, int row) {
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int t = 0; t < tiles; t++) {
            double m = partMax[t * batch + row];
            double s = partSum[t * batch + row];
            if (m == Double.NEGATIVE_INFINITY) {
                continue;
            }
            if (m > max) {
                sum = sum * Math.exp(max - m) + s;
                max = m;
            } else {
                sum += s * Math.exp(m - max);
            }
        }
        return max == Double.NEGATIVE_INFINITY ? max : max + Math.log(sum);
    }

    /**
     * How many dX^ partials (batch x dimPadded floats each) a backward pass over {@code tiles} tiles keeps: at most
     * {@link #MAX_CHUNKS} and one per tile, as many as {@code bytes} hold and one array can, at least one. A
     * function of the problem and the budget only, so the dX^ sums do not depend on the thread count.
     */
    static int dxChunks(int tiles, long partialFloats, long bytes) {
        long fit = Math.min(bytes / (4 * partialFloats), Workspace.MAX_ARRAY / partialFloats);
        return (int) Math.max(1, Math.min(Math.min(MAX_CHUNKS, tiles), fit));
    }
}
