package org.marginkernels.cpu;

import java.util.Arrays;
import org.marginkernels.AdaCosScale;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Reduction;
import org.marginkernels.spec.KernelSpec;

/**
 * The logits-free forward and backward of a margin softmax loss over class tiles (see {@link CpuBackend} for the
 * algorithm, the workspace budget and the determinism argument). Never allocates batch x classes floats beyond the
 * cosine cache that the budget allows.
 */
final class FusedMarginSoftmax {

    /** Workspace slots of this class (after those of {@link ClassTiles}). */
    private static final int CACHE = 3;
    static final int DX_PARTIALS = 4;
    /** The most dX^ partials: enough tasks to balance many cores, few enough to merge cheaply. */
    static final int MAX_CHUNKS = 16;

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
     * The whole loss; featureGrad and weightGrad (either may be null) are overwritten.
     *
     * @param code the loss's negative transform compiled by the kernels, or null for the identity
     */
    LossResult run(MarginSoftmax loss, NegativeCode code, float[] features, float[] weights, int[] labels, int dim,
            float[] featureGrad, float[] weightGrad) {
        KernelSpec spec = loss.spec();
        ClassTiles ct = new ClassTiles(kernels, workspace, features, weights, dim, tileClasses, true);
        int batch = ct.batch;
        int tiles = ct.tiles;
        int ignore = loss.ignoreLabel();
        boolean backward = featureGrad != null || weightGrad != null;
        double sPrev = loss.adaCosPreviousScale(ct.classes);
        boolean dynamicScale = Double.isNaN(loss.staticScale(ct.classes));

        // plan the workspace: dX^ partials (count independent of threads), then cached tiles with what is left
        long tileBytes = 4L * batch * tileClasses;
        long fixedBytes = 4L * ClassTiles.sharedFloats(batch, ct.classes, ct.dimPadded) + 16L * tiles * batch
                + 8L * 8 * batch;
        // 1/32 of the budget is kept back for what the plan does not itemize (per-call row arrays, the pool's task
        // objects, allocator rounding): measured at 128 x 512 x 1M without it, the peak was 1.03 x the budget
        long left = budgetBytes - fixedBytes - budgetBytes / 32;
        int chunks = featureGrad == null ? 0
                : (int) Math.max(1, Math.min(Math.min(MAX_CHUNKS, tiles), left / (4L * batch * ct.dimPadded)));
        left -= 4L * chunks * batch * ct.dimPadded;
        left -= (long) pool.size() * 4L * (2 * ct.packFloats() + 2 * ct.tileFloats() + tileClasses);
        boolean secondPass = backward || dynamicScale;
        int cached = secondPass ? (int) Math.max(0, Math.min(tiles, left / tileBytes)) : 0;
        float[] cache = cached == 0 ? null : workspace.floats(CACHE, (long) cached * batch * tileClasses);
        if (weightGrad != null) {
            ct.packedFeatures();
        }

        // per row: the target cosine from its own dot product, f(c_y), and whether the row counts
        float[] cy = new float[batch];
        float[] fy = new float[batch];
        int counted = 0;
        for (int i = 0; i < batch; i++) {
            int y = labels[i];
            if (y == ignore) {
                continue;
            }
            counted++;
            double wy = Math.sqrt(kernels.sumOfSquares(weights, y * dim, dim));
            double c = kernels.dot(ct.xHat, i * ct.dimPadded, weights, y * dim, dim) / wy;
            cy[i] = (float) c;
            fy[i] = (float) spec.target(cy[i]);
        }
        double[] partMax = new double[tiles * batch];
        double[] partSum = new double[tiles * batch];
        // the AdaCos pass fills the cache, so the forward pass only computes the tiles that are not cached
        boolean cacheFilled = dynamicScale;

        // dynamic AdaCos: a first pass for lse_i over non-targets of s_prev c, and c_iy, before s is known
        double scale = loss.staticScale(ct.classes);
        if (dynamicScale) {
            float sp = (float) sPrev;
            pool.run(tiles, (t, w) -> {
                float[] tileArr = tileArray(ct, cache, cached, t, w);
                int off = tileOffset(ct, cached, t);
                ct.cosineTile(t, w, ct.workerBuffer(w, 0, ct.packFloats()), tileArr, off);
                nonTargetPartials(ct, t, w, tileArr, off, labels, ignore, null, null, sp, partMax, partSum);
            });
            double[] lse = new double[batch];
            double[] targets = new double[batch];
            int n = 0;
            for (int i = 0; i < batch; i++) {
                if (labels[i] != ignore) {
                    lse[n] = mergedLogSumExp(partMax, partSum, tiles, batch, i);
                    targets[n++] = cy[i];
                }
            }
            scale = AdaCosScale.compute(sPrev, lse, targets, n);
        }

        // forward: per tile and row, the (max, sum exp) of the non-target logits z = s g(c, f_y)
        float s = (float) scale;
        pool.run(tiles, (t, w) -> {
            float[] tileArr = tileArray(ct, cache, cached, t, w);
            int off = tileOffset(ct, cached, t);
            if (!(t < cached && cacheFilled)) {
                ct.cosineTile(t, w, ct.workerBuffer(w, 0, ct.packFloats()), tileArr, off);
            }
            nonTargetPartials(ct, t, w, tileArr, off, labels, ignore, code, fy, s, partMax, partSum);
        });

        // merge partials in tile order, then add the target: lse = z_y + log1p(r), r = sum_{j != y} exp(z_j - z_y),
        // so lp = -log1p(r) and 1 - p_y = -expm1(lp) keep full precision when p_y is close to 1
        double weight = loss.reduction() == Reduction.MEAN && counted > 0 ? 1.0 / counted : 1.0;
        double total = 0;
        float[] lse = new float[batch];
        float[] coef = new float[batch];
        double[] lp = new double[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] == ignore) {
                continue;
            }
            double zy = (double) s * fy[i];
            // d = log r; lp = -softplus(d), written so that exp cannot overflow for any scale
            double d = mergedLogSumExp(partMax, partSum, tiles, batch, i) - zy;
            lp[i] = d > 0 ? -(d + Math.log1p(Math.exp(-d))) : -Math.log1p(Math.exp(d));
            lse[i] = (float) (zy - lp[i]);
            total += spec.rowLoss(lp[i]);
            coef[i] = (float) (weight * s * spec.rowLossGradient(lp[i]));
        }
        LossResult result = new LossResult(total * weight, scale, counted);
        if (!backward) {
            return result;
        }

        // dL/dc at the target: (dF_y + sum_{j != y} dF_j dg/dfy) f'(c_y), dF_j = coef ([j = y] - p_j)
        double[] pathSum = new double[batch];
        if (code != null && !spec.negativeIgnoresTarget()) {
            double[] part = new double[tiles * batch];
            pool.run(tiles, (t, w) -> {
                float[] tileArr = tileArray(ct, cache, cached, t, w);
                int off = tileOffset(ct, cached, t);
                if (t >= cached) {
                    ct.cosineTile(t, w, ct.workerBuffer(w, 0, ct.packFloats()), tileArr, off);
                }
                int j0 = ct.start(t);
                int n = ct.width(t);
                for (int i = 0; i < batch; i++) {
                    int y = labels[i];
                    if (y == ignore) {
                        continue;
                    }
                    int rowOff = off + i * tileClasses;
                    int cut = y >= j0 && y < j0 + n ? y - j0 : n;
                    double sum = kernels.targetPathSum(code, tileArr, rowOff, cut, fy[i], s, lse[i]);
                    if (cut < n) {
                        sum += kernels.targetPathSum(code, tileArr, rowOff + cut + 1, n - cut - 1, fy[i], s, lse[i]);
                    }
                    part[t * batch + i] = sum;
                }
            });
            for (int i = 0; i < batch; i++) {
                for (int t = 0; t < tiles; t++) {
                    pathSum[i] += part[t * batch + i];
                }
            }
        }
        float[] targetGrad = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != ignore) {
                double through = (double) coef[i] * -Math.expm1(lp[i]) - coef[i] * pathSum[i];
                targetGrad[i] = (float) (through * spec.targetGradient(cy[i]));
            }
        }

        // backward: dC per tile, then dX^ partial per chunk (tiles in order) and dW rows per tile
        int tasks = chunks == 0 ? tiles : chunks;
        int perChunk = (tiles + tasks - 1) / tasks;
        float[] partials = chunks == 0 ? null
                : workspace.floats(DX_PARTIALS, (long) chunks * batch * ct.dimPadded);
        int partialSize = batch * ct.dimPadded;
        pool.run(tasks, (task, w) -> {
            if (partials != null) {
                Arrays.fill(partials, task * partialSize, (task + 1) * partialSize, 0f);
            }
            int firstTile = chunks == 0 ? task : task * perChunk;
            int lastTile = chunks == 0 ? task + 1 : Math.min(tiles, (task + 1) * perChunk);
            float[] pack = ct.workerBuffer(w, 0, ct.packFloats());
            float[] dwHat = ct.workerBuffer(w, 1, ct.packFloats());
            for (int t = firstTile; t < lastTile; t++) {
                float[] tileArr = tileArray(ct, cache, cached, t, w);
                int off = tileOffset(ct, cached, t);
                if (t >= cached) {
                    ct.cosineTile(t, w, pack, tileArr, off);
                }
                int j0 = ct.start(t);
                int n = ct.width(t);
                for (int i = 0; i < batch; i++) {
                    int y = labels[i];
                    int rowOff = off + i * tileClasses;
                    if (y == ignore) {
                        Arrays.fill(tileArr, rowOff, rowOff + n, 0f);
                        continue;
                    }
                    kernels.softmaxGradient(code, tileArr, rowOff, n, fy[i], s, lse[i], coef[i], tileArr, rowOff);
                    if (y >= j0 && y < j0 + n) {
                        tileArr[rowOff + y - j0] = targetGrad[i];
                    }
                }
                ct.backwardTile(t, w, tileArr, off, tileClasses, pack, dwHat, partials, task * partialSize,
                        weightGrad);
            }
        });
        if (featureGrad != null) {
            // merge the chunk partials in chunk order, so the sum does not depend on scheduling
            for (int c = 1; c < chunks; c++) {
                int base = c * partialSize;
                for (int e = 0; e < partialSize; e++) {
                    partials[e] += partials[base + e];
                }
            }
            ct.featureGrad(partials, featureGrad);
        }
        return result;
    }

    /**
     * For every counted row of tile t, the max and sum exp(z - max) of the non-target logits z = s g(c, f_y)
     * (g the identity when code is null), written to the tile's slots; a tile holding only a row's target gets
     * (-infinity, 0).
     */
    private void nonTargetPartials(ClassTiles ct, int t, int worker, float[] tileArr, int off, int[] labels,
            int ignore, NegativeCode code, float[] fy, float s, double[] partMax, double[] partSum) {
        float[] z = ct.workerBuffer(worker, 2, tileClasses);
        int batch = ct.batch;
        int j0 = ct.start(t);
        int n = ct.width(t);
        for (int i = 0; i < batch; i++) {
            int y = labels[i];
            if (y == ignore) {
                continue;
            }
            kernels.logits(code, tileArr, off + i * tileClasses, n, fy == null ? 0f : fy[i], s, z, 0);
            if (y >= j0 && y < j0 + n) {
                z[y - j0] = Float.NEGATIVE_INFINITY;
            }
            float m = kernels.max(z, 0, n);
            partMax[t * batch + i] = m;
            partSum[t * batch + i] = m == Float.NEGATIVE_INFINITY ? 0 : kernels.expSum(z, 0, n, m);
        }
    }

    private static float[] tileArray(ClassTiles ct, float[] cache, int cached, int t, int worker) {
        return t < cached ? cache : ct.workerBuffer(worker, 3, ct.tileFloats());
    }

    private static int tileOffset(ClassTiles ct, int cached, int t) {
        return t < cached ? t * ct.batch * ct.tile : 0;
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
}
