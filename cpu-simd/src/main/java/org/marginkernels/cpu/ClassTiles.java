package org.marginkernels.cpu;

import java.util.Arrays;
import org.marginkernels.spi.RowCheck;

/**
 * One problem (features X, weights W) cut into class tiles of {@code tile} columns: the normalized features, the
 * inverse class norms, and the three GEMMs of a tile. Tiles are independent, so any worker can process any tile;
 * results never depend on which worker did.
 *
 * <p>Scratch lives in the {@link Workspace}: shared slots below {@link #WORKER_SLOTS} (X^, its packed panels and its
 * row blocks, which every use of this class keeps, top-k included), then {@link #SLOTS_PER_WORKER} private slots
 * per worker (packed W tile, dW^ tile, cosine tile, tile norms, the staged W and dW rows of off-heap weights, and a
 * dL/dc block in row blocks for the gradient GEMMs), so that workers never share a buffer.
 *
 * <p>W and dW are {@link MatrixRows}: a float[] read in place, or an off-heap segment whose tile rows are staged
 * into the worker's buffer each time the tile is read (and whose dW rows are written there and copied back); every
 * index into them is tile-local or long, so an off-heap W may exceed 2^31 floats.
 */
final class ClassTiles {

    /** Workspace slots owned by this class; per-worker slots start at {@link #WORKER_SLOTS}. */
    static final int X_HAT = 0;
    static final int X_PACKED = 1;
    static final int W_INV = 2;
    // double arrays: |x_i|^2 and |w_j|^2 (slots 4 and 5 are FusedMarginSoftmax's)
    private static final int X_NORM_SQ = 3;
    private static final int W_NORM_SQ = 6;
    /** X^ in the GEMM's row blocks (slot 7 is FusedMarginSoftmax's). */
    private static final int X_BLOCKS = 8;
    static final int WORKER_SLOTS = 9;
    static final int SLOTS_PER_WORKER = 9;
    // per-worker slots: a packed W tile, a dW^ tile, a cosine tile (or a scaled copy of a dL/dc block), a tile's
    // inverse norms (when the norms are not kept for the whole problem), a tile pooled over sub-centers with each
    // class's nearest sub-center (a loss of K > 1 sub-centers), the staged W and dW rows (off-heap weights), and
    // a dL/dc block or its transpose in the GEMM's row blocks
    static final int PACK = 0;
    static final int DW_HAT = 1;
    static final int COSINE_TILE = 2;
    private static final int TILE_NORMS = 3;
    static final int POOLED_TILE = 4;
    static final int NEAREST = 5;
    private static final int STAGED_W = 6;
    private static final int STAGED_DW = 7;
    /** A dL/dc block (or its transpose) in the GEMM's row blocks. */
    private static final int LHS = 8;

    final CpuKernels kernels;
    final float[] features;
    final MatrixRows weights;
    final int batch;
    final int classes;
    final int dim;
    final int tile;
    final int nr;
    final int dimPadded;
    final int tiles;
    /** X^ rows with stride dimPadded (zero padding). */
    final float[] xHat;
    /** X^ (batch x dim) in row blocks ({@link Packing#rowBlocks}): the cosine GEMM's left operand, on first use. */
    private float[] xBlocks;
    /**
     * 1 / |w_j| for every class, filled tile by tile by {@link #cosineTile} or {@link #classNorms}; null when norms
     * are only kept per tile (forward-only users such as top-k, whose memory must not grow with the classes).
     */
    final float[] wInv;
    /** |x_i|^2 per feature row, for the normalization backward of the features. */
    private final double[] xNormSq;
    /**
     * |w_j|^2 beside {@link #wInv}, for the normalization backward of the weights, which needs it in double
     * precision (up to 2^252: a float would overflow).
     */
    private final double[] wNormSq;
    /**
     * Per tile, the lowest weights row that fails {@link RowCheck}, -1 when all pass, or {@link #NOT_CHECKED} until
     * {@link #classNorms} has run for the tile.
     */
    private final int[] invalidRow;
    private static final int NOT_CHECKED = -2;
    private final Workspace workspace;
    private float[] xPacked;

    /**
     * @param tile classes per tile, a multiple of the kernels' panel width; fewer (the classes rounded up to whole
     *     panels) when there are fewer classes, so tile buffers do not outgrow the problem
     */
    ClassTiles(CpuKernels kernels, Workspace workspace, float[] features, float[] weights, int dim, int tile,
            boolean keepNorms) {
        this(kernels, workspace, features, MatrixRows.of(weights, dim), dim, tile, keepNorms);
    }

    /** As above, for weights held anywhere {@link MatrixRows} reads. */
    ClassTiles(CpuKernels kernels, Workspace workspace, float[] features, MatrixRows weights, int dim, int tile,
            boolean keepNorms) {
        this.kernels = kernels;
        this.workspace = workspace;
        this.features = features;
        this.weights = weights;
        this.dim = dim;
        this.batch = features.length / dim;
        this.classes = weights.rows();
        this.nr = kernels.panelWidth();
        this.tile = Math.min(tile, Packing.padded(classes, nr));
        this.dimPadded = Packing.padded(dim, nr);
        this.tiles = (classes + this.tile - 1) / this.tile;
        this.xHat = workspace.floats(X_HAT, (long) batch * dimPadded);
        this.xNormSq = workspace.doubles(X_NORM_SQ, batch);
        this.wInv = keepNorms ? workspace.floats(W_INV, classes) : null;
        this.wNormSq = keepNorms ? workspace.doubles(W_NORM_SQ, classes) : null;
        this.invalidRow = new int[tiles];
        Arrays.fill(invalidRow, NOT_CHECKED);
        for (int i = 0; i < batch; i++) {
            // 1/|x| is a normal float for every accepted row (|x| <= 2^126), so x^ holds no overflow or subnormal
            xNormSq[i] = kernels.sumOfSquares(features, i * dim, dim);
            kernels.scale(features, i * dim, inverseNorm(xNormSq[i]), xHat, i * dimPadded, dim);
            for (int d = dim; d < dimPadded; d++) {
                xHat[i * dimPadded + d] = 0f;
            }
        }
    }

    /** Floats of the per-worker buffer for one packed W tile. */
    long packFloats() {
        return (long) tile * dimPadded;
    }

    /** Floats of the per-worker buffer for one batch x tile cosine tile. */
    long tileFloats() {
        return (long) batch * tile;
    }

    /** Floats of the per-worker buffer for a dL/dc block or its transpose in row blocks. */
    long lhsFloats() {
        int mr = kernels.rowBlock();
        return Math.max(Packing.rowBlockFloats(batch, tile, mr), Packing.rowBlockFloats(tile, batch, mr));
    }

    /**
     * Floats of the per-worker staging buffers: a tile of W rows when W is staged (off-heap), and of dW rows when
     * {@code weightGrad} is (null: no dW).
     */
    long stagingFloats(MatrixRows weightGrad) {
        long tileFloats = (long) tile * dim;
        return (weights.staged() ? tileFloats : 0) + (weightGrad != null && weightGrad.staged() ? tileFloats : 0);
    }

    /** The worker's staging buffer {@code which} for {@code rows}, or null when they need none. */
    private float[] staging(MatrixRows rows, int worker, int which) {
        return rows.staged() ? workerBuffer(worker, which, (long) tile * dim) : null;
    }

    /** The per-worker buffer {@code which} (0..SLOTS_PER_WORKER-1) of worker {@code worker}. */
    float[] workerBuffer(int worker, int which, long size) {
        return workspace.floats(WORKER_SLOTS + worker * SLOTS_PER_WORKER + which, size);
    }

    /** The per-worker byte buffer {@code which} of worker {@code worker} (the slot holds bytes only). */
    byte[] workerBytes(int worker, int which, long size) {
        return workspace.bytes(WORKER_SLOTS + worker * SLOTS_PER_WORKER + which, size);
    }

    /** The first class of tile t. */
    int start(int t) {
        return t * tile;
    }

    /** The classes in tile t. */
    int width(int t) {
        return Math.min(tile, classes - t * tile);
    }

    /**
     * The first tile of backward chunk c of {@code chunks} (c = chunks gives {@link #tiles}); with no chunks, each
     * tile is its own task. Chunks shrink linearly, chunk c weighing chunks - c on top of one tile each: workers
     * take chunks in order, so the last ones to start are the small ones and the workers finish close together
     * (with equal chunks one worker sat idle for 0-8 ms of a 250-300 ms step at 256 x 512 x 100 000).
     * A function of tiles and chunks alone, so the dX^ sums do not depend on the thread count.
     */
    int chunkStart(int c, int chunks) {
        if (chunks == 0) {
            return c;
        }
        long weight = (long) c * chunks - (long) c * (c - 1) / 2;
        long total = (long) chunks * (chunks + 1) / 2;
        return c + (int) ((tiles - chunks) * weight / total);
    }

    /**
     * 1 / |w_j| for the classes of tile t, from a double sum of squares, into wInv (from j0) or, when norms are not
     * kept, into the worker's tile-norm buffer (from 0), which is returned. Also checks each row
     * ({@link RowCheck}), which is how this backend validates the weights (see {@link #rejectInvalidWeights()}).
     */
    float[] classNorms(int t, int worker) {
        float[] rows = weights.read(start(t), width(t), staging(weights, worker, STAGED_W));
        return classNorms(t, worker, rows, weights.localRow(start(t)));
    }

    /** {@link #classNorms(int, int)} from the tile's rows, read already: row row0 of {@code rows} is its first. */
    private float[] classNorms(int t, int worker, float[] rows, int row0) {
        int j0 = start(t);
        float[] out = wInv != null ? wInv : workerBuffer(worker, TILE_NORMS, tile);
        int off = wInv != null ? j0 : 0;
        int invalid = -1;
        for (int j = width(t) - 1; j >= 0; j--) {
            double sumOfSquares = weightSumOfSquares(rows, (row0 + j) * dim);
            if (!RowCheck.passes(sumOfSquares)) {
                invalid = j0 + j;
            }
            out[off + j] = inverseNorm(sumOfSquares);
            if (wNormSq != null) {
                wNormSq[j0 + j] = sumOfSquares;
            }
        }
        invalidRow[t] = invalid;
        return out;
    }

    /**
     * |w_j|^2 as this backend accepts or rejects the row: the kernels' sum, or {@link RowCheck#sumOfSquares} where
     * that sum is {@link RowCheck#nearBound near a bound}, so exactly the rows the facade would reject are rejected.
     */
    double weightSumOfSquares(float[] rows, int off) {
        double sumOfSquares = kernels.sumOfSquares(rows, off, dim);
        return RowCheck.nearBound(sumOfSquares) ? RowCheck.sumOfSquares(rows, off, dim) : sumOfSquares;
    }

    /** A buffer for {@link #weightRow}: float[dim] when the weights are staged, else null (none needed). */
    float[] rowBuffer() {
        return weights.staged() ? new float[dim] : null;
    }

    /** The array holding weights row j (a copy in {@code buffer} when staged); see {@link #rowOffset}. */
    private float[] weightRow(int j, float[] buffer) {
        return weights.read(j, 1, buffer);
    }

    /** Where weights row j starts in the array {@link #weightRow} returned. */
    private int rowOffset(int j) {
        return weights.localRow(j) * dim;
    }

    /** 1 / |x| as the float every packed or normalized row is scaled by. */
    static float inverseNorm(double sumOfSquares) {
        return (float) (1 / Math.sqrt(sumOfSquares));
    }

    /**
     * The cosine x^_i . w^_j with the operations of the cosine tile: the packed operand w_jk (1 / |w_j|) rounded to
     * float and one FMA chain over k from zero, as {@link CpuKernels#gemm} computes every element. It equals the
     * tile's entry (i, j) bit for bit, so a class whose weights equal the target's ties with it exactly at the
     * hard-negative test f_y &lt; c_j.
     *
     * @param rowBuffer from {@link #rowBuffer}, reused over calls. Modified.
     */
    float cosine(int i, int j, float[] rowBuffer) {
        float[] row = weightRow(j, rowBuffer);
        int w = rowOffset(j);
        float inv = inverseNorm(weightSumOfSquares(row, w));
        int x = i * dimPadded;
        float acc = 0f;
        for (int k = 0; k < dim; k++) {
            acc = Math.fma(xHat[x + k], row[w + k] * inv, acc);
        }
        return acc;
    }

    /**
     * Throws {@link RowCheck#failure} for the lowest invalid weights row, once every tile's norms have been computed:
     * the lowest row over all tiles, so the exception does not depend on which worker ran first.
     */
    void rejectInvalidWeights() {
        for (int row : invalidRow) {
            if (row >= 0) {
                float[] values = weightRow(row, rowBuffer());
                int from = rowOffset(row);
                throw RowCheck.failure("weights", values, from, dim, row, RowCheck.sumOfSquares(values, from, dim));
            }
        }
    }

    /**
     * The cosine tile c[i][j - j0] = x^_i . w_j / |w_j| for the classes of tile t, the inverse class norms folded
     * into the packed operand; columns past the tile's width are zero.
     *
     * @param worker the calling worker
     * @param pack a per-worker buffer of {@link #packFloats()}. Modified.
     * @param out receives batch rows of {@code tile} floats from {@code outOff}. Modified.
     */
    void cosineTile(int t, int worker, float[] pack, float[] out, int outOff) {
        packTile(t, worker, pack);
        cosineRows(pack, out, outOff, 0, batch);
    }

    /**
     * Packs tile t's weight rows, each scaled by its inverse norm, as the B operand of {@link #cosineRows}. The norms
     * come from {@link #classNorms} on the tile's first packing; when this object keeps them, a later packing (a
     * tile recomputed because the cache could not hold it) reuses them instead of reading the rows once more.
     */
    void packTile(int t, int worker, float[] pack) {
        int j0 = start(t);
        float[] rows = weights.read(j0, width(t), staging(weights, worker, STAGED_W));
        int row0 = weights.localRow(j0);
        float[] norms = wInv != null && invalidRow[t] != NOT_CHECKED ? wInv : classNorms(t, worker, rows, row0);
        kernels.packRowsTransposed(rows, dim, row0, width(t), norms, wInv != null ? j0 : 0, tile, pack);
    }

    /**
     * Rows [row0, row0 + rows) of the cosine tile from a {@link #packTile packed} tile, so a caller can use a
     * chunk of rows while it is still in cache.
     *
     * @param row0 a multiple of the kernels' {@link CpuKernels#rowBlock} (a block boundary of X^)
     */
    void cosineRows(float[] pack, float[] out, int outOff, int row0, int rows) {
        if (row0 % kernels.rowBlock() != 0) {
            throw new IllegalStateException("row0 must start a row block of " + kernels.rowBlock() + ", got " + row0);
        }
        kernels.gemm(featureBlocks(), row0 * dim, pack, 0, tile / nr, dim, out, outOff + row0 * tile, tile, rows,
                false);
    }

    /**
     * The gradient GEMMs of tile t from its dL/dc block: dX^ += dC W^_t (when {@code dxHat} is not null) and
     * dW_t = normalizeBackward(dC^T X^) written to the tile's rows of {@code weightGrad} (when not null). The
     * tile's {@link #classNorms} must have run (this object keeps the norms).
     *
     * @param dc dL/dc; row i of the tile at {@code dcOff + i*dcRow}, width(t) columns. Not modified.
     * @param pack a per-worker buffer of {@link #packFloats()}. Modified.
     * @param dwHat a per-worker buffer of {@link #packFloats()}. Modified.
     * @param dxHat batch x dimPadded accumulator from {@code dxOff}, or null. Modified.
     * @param weightGrad classes x dim, or null. Modified (only this tile's rows).
     * @param worker the calling worker, whose staging buffers hold the tile's rows when W or dW is off-heap
     */
    void backwardTile(int t, float[] dc, int dcOff, int dcRow, float[] pack, float[] dwHat,
            float[] dxHat, int dxOff, MatrixRows weightGrad, int worker) {
        if (dxHat == null && weightGrad == null) {
            return;
        }
        float[] rows = weights.read(start(t), width(t), staging(weights, worker, STAGED_W));
        int row0 = weights.localRow(start(t));
        if (dxHat != null) {
            featureTile(t, dc, dcOff, dcRow, pack, dxHat, dxOff, rows, row0, worker);
        }
        if (weightGrad != null) {
            weightTile(t, dc, dcOff, dcRow, dwHat, null, weightGrad, rows, row0, worker);
        }
    }

    /**
     * {@link #backwardTile} for a caller's dL/dc of any size the facade accepts (sum_j |dc_ij| up to 2^120 |x_i|,
     * sum_i |dc_ij| up to 2^120 |w_j|), whose float sums could overflow where a norm is large: the block is first
     * copied with its rows scaled by {@code rowScale} for dX^ and with its columns scaled by
     * {@link #gradientScale} of the class norms for dW^ (each copy only where some scale is not 1), and the
     * normalization backward undoes the scale. Powers of two scale exactly (short of subnormals), so the results are
     * those of the unscaled sums wherever those stay finite.
     *
     * @param dc dL/dc, batch x classes. Not modified.
     * @param rowScale per feature row the scale of its dX^ row ({@link #featureScales}), or null for none
     * @param scratch a per-worker buffer of {@link #tileFloats()}. Modified.
     * @param dxHat batch x dimPadded accumulator, each row scaled by rowScale, from {@code dxOff}, or null. Modified.
     */
    void backwardTileScaled(int t, float[] dc, float[] rowScale, float[] pack, float[] dwHat, float[] scratch,
            float[] dxHat, int dxOff, MatrixRows weightGrad, int worker) {
        int j0 = start(t);
        int n = width(t);
        float[] rows = weights.read(j0, n, staging(weights, worker, STAGED_W));
        int row0 = weights.localRow(j0);
        if (dxHat != null && rowScale == null) {
            featureTile(t, dc, j0, classes, pack, dxHat, dxOff, rows, row0, worker);
        } else if (dxHat != null) {
            for (int i = 0; i < batch; i++) {
                kernels.scale(dc, i * classes + j0, rowScale[i], scratch, i * tile, n);
            }
            featureTile(t, scratch, 0, tile, pack, dxHat, dxOff, rows, row0, worker);
        }
        if (weightGrad == null) {
            return;
        }
        float[] columnScale = gradientScales(wNormSq, j0, n);
        if (columnScale == null) {
            weightTile(t, dc, j0, classes, dwHat, null, weightGrad, rows, row0, worker);
            return;
        }
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < n; j++) {
                scratch[i * tile + j] = dc[i * classes + j0 + j] * columnScale[j];
            }
        }
        weightTile(t, scratch, 0, tile, dwHat, columnScale, weightGrad, rows, row0, worker);
    }

    /** dX^ += dC W^_t: tile t's share of the features' gradient GEMM; the tile's W rows from row row0 of rows. */
    private void featureTile(int t, float[] dc, int dcOff, int dcRow, float[] pack, float[] dxHat, int dxOff,
            float[] rows, int row0, int worker) {
        int n = width(t);
        Packing.packRows(kernels, rows, dim, dim, row0, n, wInv, start(t), nr, pack);
        float[] lhs = workerBuffer(worker, LHS, lhsFloats());
        kernels.rowBlocks(dc, dcOff, dcRow, 1, batch, n, lhs, 0);
        kernels.gemm(lhs, 0, pack, 0, dimPadded / nr, n, dxHat, dxOff, dimPadded, batch, true);
    }

    /**
     * dW_t = normalizeBackward(dC^T X^) into tile t's rows of weightGrad; column j of dC holds dL/dc times
     * columnScale[j] (1 when columnScale is null), which the normalization backward undoes.
     */
    private void weightTile(int t, float[] dc, int dcOff, int dcRow, float[] dwHat, float[] columnScale,
            MatrixRows weightGrad, float[] rows, int row0, int worker) {
        int j0 = start(t);
        int n = width(t);
        float[] out = weightGrad.writable(j0, n, staging(weightGrad, worker, STAGED_DW));
        int out0 = weightGrad.localRow(j0);
        // dC^T (A[j][i] = dC[i][j]): a row block's k step is MR adjacent floats of one dC row
        float[] lhs = workerBuffer(worker, LHS, lhsFloats());
        kernels.rowBlocks(dc, dcOff, 1, dcRow, n, batch, lhs, 0);
        kernels.gemm(lhs, 0, packedFeatures(), 0, dimPadded / nr, batch, dwHat, 0, dimPadded, n, false);
        for (int j = 0; j < n; j++) {
            int c = j0 + j;
            NormalizationBackward.fromRaw(kernels, dwHat, j * dimPadded, rows, (row0 + j) * dim, dim, wNormSq[c],
                    columnScale == null ? 1f : columnScale[j], 0, out, (out0 + j) * dim);
        }
        weightGrad.written(j0, n, out);
    }

    /**
     * The power of two that a gradient row of a raw row with this |x|^2 is scaled by before it is summed:
     * 2^-k, k = max(0, floor(e / 2) - 2) with e the binary exponent of |x|^2, so that 2^-k |x| &lt; 8. A row
     * whose dL/dc sum is bounded by 2^120 |x| (the facade's bound) then sums to below 2^123, inside the float range.
     * 1 for every |x| &lt; 8; at least 2^-124 (|x| &lt;= 2^126), a normal float.
     */
    static float gradientScale(double sumOfSquares) {
        return Math.scalb(1f, -Math.max(0, (Math.getExponent(sumOfSquares) >> 1) - 2));
    }

    /** {@link #gradientScale} of every feature row, or null when all are 1. */
    float[] featureScales() {
        return gradientScales(xNormSq, 0, batch);
    }

    /** {@link #gradientScale} of sumsOfSquares[from, from + n), or null when all are 1 (the common case). */
    private static float[] gradientScales(double[] sumsOfSquares, int from, int n) {
        float[] scales = null;
        for (int k = 0; k < n; k++) {
            float s = gradientScale(sumsOfSquares[from + k]);
            if (s != 1f && scales == null) {
                scales = new float[n];
                Arrays.fill(scales, 1f);
            }
            if (scales != null) {
                scales[k] = s;
            }
        }
        return scales;
    }

    /**
     * Sums the {@code chunks} dX^ partials (batch x dimPadded each, back to back) into the first one, in chunk order
     * so the sum does not depend on which worker filled which chunk, then writes {@link #featureGrad}.
     *
     * @param partials the partials. Modified.
     * @param rowScale the scale of each partial row ({@link #backwardTileScaled}), or null for none
     * @param normGrad dL/d|x_i| per row of a loss that reads the feature norm, or null
     */
    void featureGradFromPartials(float[] partials, int chunks, float[] rowScale, double[] normGrad,
            float[] featureGrad) {
        int size = batch * dimPadded;
        for (int c = 1; c < chunks; c++) {
            int base = c * size;
            for (int e = 0; e < size; e++) {
                partials[e] += partials[base + e];
            }
        }
        for (int i = 0; i < batch; i++) {
            NormalizationBackward.fromRaw(kernels, partials, i * dimPadded, features, i * dim, dim, xNormSq[i],
                    rowScale == null ? 1f : rowScale[i], normGrad == null ? 0 : normGrad[i], featureGrad, i * dim);
        }
    }

    /** |x_i| in double, from the sum of squares the normalization used. */
    double featureNorm(int row) {
        return Math.sqrt(xNormSq[row]);
    }

    /** {@link #xBlocks}, packed on first use (the layer methods' backward never reads it). */
    private synchronized float[] featureBlocks() {
        if (xBlocks == null) {
            float[] blocks = workspace.floats(X_BLOCKS, Packing.rowBlockFloats(batch, dim, kernels.rowBlock()));
            kernels.rowBlocks(xHat, 0, dimPadded, 1, batch, dim, blocks, 0);
            xBlocks = blocks;
        }
        return xBlocks;
    }

    /** X^ packed as the B operand of dW^ = dC^T X^, built on first use. */
    synchronized float[] packedFeatures() {
        if (xPacked == null) {
            float[] p = workspace.floats(X_PACKED, (long) batch * dimPadded);
            Packing.packRows(kernels, xHat, dimPadded, dim, 0, batch, null, nr, p);
            xPacked = p;
        }
        return xPacked;
    }

    /** Floats this object keeps in the workspace besides per-worker buffers. */
    static long sharedFloats(int batch, int classes, int dimPadded, int rowBlock) {
        // X^, its packed panels and its row blocks (at most batch + rowBlock - 1 rows of dimPadded)
        return 3L * batch * dimPadded + (rowBlock - 1L) * dimPadded + 2L * batch + 3L * classes;
    }
}
