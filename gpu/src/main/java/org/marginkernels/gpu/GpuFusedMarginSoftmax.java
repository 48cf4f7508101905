package org.marginkernels.gpu;

import java.util.Arrays;
import org.marginkernels.AdaCosScale;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Reduction;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.RowLogProb;

/**
 * The fused (logits-free) forward and backward on the device: no batch x classes buffer is ever allocated. The
 * forward walks class tiles per (row tile, class chunk) and leaves per-row partial (max, sum) pairs that a merge
 * kernel combines in chunk order; the backward recomputes every cosine tile, accumulating dX per (row, chunk)
 * partial (summed in chunk order) and dW per class tile in one work-group. Extra device memory: O(batch x chunks)
 * partials (at most {@value #MAX_FORWARD_CHUNKS} chunks, whatever the class count) plus dX partials bounded by the
 * workspace budget.
 *
 * <p>Per-row scalars run on the host in double: f(c_y) and f'(c_y) (as the reference evaluates them, so the clamp
 * of c to 1 - 1e-7, which float cannot hold, is exact), log p_y, the row loss and its derivative, and the AdaCos
 * scale. The device's softmax state per row is (gm, sum) with gm the largest non-target g(c, f_y) and sum the sum of
 * exp(s (g - gm)): exponents are formed from differences of unscaled values, so they keep their digits at any
 * accepted scale (up to 1e6).
 */
final class GpuFusedMarginSoftmax {

    /** Classes per forward chunk: a multiple of the tile, large enough that the partials stay small. */
    static final int FORWARD_CHUNK = 64 * KernelLauncher.TILE;
    /** The most forward chunks: beyond FORWARD_CHUNK x this many classes the chunks grow instead. */
    static final int MAX_FORWARD_CHUNKS = 1024;
    /** The most class chunks of the dX partials: enough groups to fill a GPU at batch 256. */
    static final int MAX_DX_CHUNKS = 64;

    private static final int MODE_SOFTMAX = 0;
    private static final int MODE_ADACOS = 1;
    private static final int MODE_THROUGH_TARGET = 2;

    private final GpuKernelBackend backend;
    private final long workspaceBytes;

    GpuFusedMarginSoftmax(GpuKernelBackend backend, long workspaceBytes) {
        this.backend = backend;
        this.workspaceBytes = workspaceBytes;
    }

    /** The device state of one call: inputs, per-row vectors and the partial buffers. */
    private record Call(MarginSoftmax loss, KernelLauncher k, DeviceSession s, DeviceBuffer args,
            GpuKernelBackend.Normalized x,
            GpuKernelBackend.Normalized w, DeviceBuffer labels, DeviceBuffer fy, DeviceBuffer gm, DeviceBuffer shift,
            DeviceBuffer partMax, DeviceBuffer partSum, DeviceBuffer rowMax, DeviceBuffer rowSum, int batch,
            int classes, int dim, int chunk, int chunks) {

        /**
         * Runs mk_fused_partials in {@code mode} and merges its chunks in order on the device; returns the per-row
         * {max, sum} (modes 0 and 1) or {unused, sum} (mode 2).
         */
        float[][] rows(int mode, double scale) {
            k.tiles("mk_fused_partials", chunks, KernelLauncher.ceil(batch, KernelLauncher.TILE), args, x.hat(),
                    w.raw(), w.inv(), labels, fy, gm, shift, batch, classes, dim, chunk, (float) scale, mode, partMax,
                    partSum);
            k.perRow("mk_fused_merge", batch, partMax, partSum, batch, chunks, (float) scale, mode, rowMax, rowSum);
            return new float[][] {s.read(rowMax, batch), s.read(rowSum, batch)};
        }
    }

    /** The loss and, when a gradient array is given, dL/dfeatures and dL/dweights; see KernelBackend. */
    LossResult run(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim, float[] featureGrad,
            float[] weightGrad) {
        int batch = labels.length;
        int classes = weights.length / dim;
        int counted = GpuKernelBackend.countedRows(loss, labels);
        KernelLauncher k = backend.launcher(loss.spec());
        if (batch == 0) {
            zero(featureGrad);
            zero(weightGrad);
            double scale = loss.staticScale(classes);
            return new LossResult(0, Double.isNaN(scale) ? loss.adaCosPreviousScale(classes) : scale, 0);
        }
        KernelSpec spec = loss.spec();
        try (DeviceSession s = new DeviceSession(backend.runtime())) {
            GpuKernelBackend.Normalized x = GpuKernelBackend.normalize(k, s, features, batch, dim, true);
            GpuKernelBackend.Normalized w = GpuKernelBackend.normalize(k, s, weights, classes, dim, false);
            DeviceBuffer lab = s.upload(labels);
            DeviceBuffer cyDev = s.floats(batch);
            k.perRow("mk_target_cosines", batch, x.hat(), w.raw(), w.inv(), lab, batch, dim, cyDev);
            float[] cy = s.read(cyDev, batch);
            float[] norms = s.read(x.norm(), batch);
            // f(c_y) rounded once to float: the value every hard-negative test compares a float c_j with
            float[] fy = new float[batch];
            double[] dfy = new double[batch];
            // df/d|x| of a margin that reads the feature norm, for the path along x^_i; null without one
            double[] dfNorm = spec.hasNormPath() ? new double[batch] : null;
            for (int i = 0; i < batch; i++) {
                if (labels[i] != loss.ignoreLabel()) {
                    fy[i] = (float) spec.target(cy[i], norms[i]);
                    dfy[i] = spec.targetGradient(cy[i], norms[i]);
                    if (dfNorm != null) {
                        dfNorm[i] = spec.targetNormGradient(cy[i], norms[i]);
                    }
                }
            }
            int chunk = forwardChunk(classes);
            int chunks = KernelLauncher.ceil(classes, chunk);
            Call call = new Call(loss, k, s, k.arguments(s), x, w, lab, s.upload(fy), s.upload(new float[batch]),
                    s.upload(new float[batch]), s.floats((long) chunks * batch), s.floats((long) chunks * batch),
                    s.floats(batch), s.floats(batch), batch, classes, dim, chunk, chunks);

            double scale = scale(call, labels, cy, counted);
            RowTerms rows = rowTerms(loss, scale, fy, labels, counted, call.rows(MODE_SOFTMAX, scale));
            if (featureGrad != null || weightGrad != null) {
                backward(call, labels, scale, rows, dfy, dfNorm, featureGrad, weightGrad);
            }
            return new LossResult(rows.loss, scale, counted);
        }
    }

    /** Classes per forward chunk: {@value #FORWARD_CHUNK}, or more (a multiple of the tile) for a huge class count. */
    static int forwardChunk(int classes) {
        int spread = KernelLauncher.ceil(KernelLauncher.ceil(classes, MAX_FORWARD_CHUNKS), KernelLauncher.TILE)
                * KernelLauncher.TILE;
        return Math.max(FORWARD_CHUNK, spread);
    }

    /** The fixed scale, or dynamic AdaCos from the non-target lse at s_prev and the target cosines. */
    private static double scale(Call call, int[] labels, float[] cy, int counted) {
        MarginSoftmax loss = call.loss();
        double fixed = loss.staticScale(call.classes());
        if (!Double.isNaN(fixed)) {
            return fixed;
        }
        double previous = loss.adaCosPreviousScale(call.classes());
        float[][] nonTarget = call.rows(MODE_ADACOS, previous);
        double[] lse = new double[counted];
        double[] target = new double[counted];
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                lse[n] = logSumExp(nonTarget[0][i], nonTarget[1][i], previous);
                target[n++] = cy[i];
            }
        }
        return AdaCosScale.compute(previous, lse, target, n);
    }

    /**
     * Per-row results of the forward: the reduced loss, the row's largest non-target g (gm, 0 without non-targets)
     * and shift = lse - s gm, 1 - p_iy and g_i = w s F'(lp).
     */
    private record RowTerms(double loss, float[] gm, float[] shift, double[] notTarget, float[] g) {
    }

    // lp = log p_y and lse from RowLogProb (precise when p_y is near 1); 1 - p_y = exp(lse_nt - lse)
    private static RowTerms rowTerms(MarginSoftmax loss, double scale, float[] fy, int[] labels, int counted,
            float[][] nonTarget) {
        KernelSpec spec = loss.spec();
        int batch = labels.length;
        double weight = loss.reduction() == Reduction.MEAN && counted > 0 ? 1.0 / counted : 1.0;
        double total = 0;
        float[] gm = new float[batch];
        float[] shift = new float[batch];
        double[] notTarget = new double[batch];
        float[] g = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                double zy = scale * fy[i];
                double lseNonTarget = logSumExp(nonTarget[0][i], nonTarget[1][i], scale);
                double lp = RowLogProb.ofLogSumExp(zy, lseNonTarget);
                double rowLse = RowLogProb.logSumExp(zy, lseNonTarget);
                gm[i] = nonTarget[0][i] == Float.NEGATIVE_INFINITY ? 0f : nonTarget[0][i];
                shift[i] = (float) (rowLse - scale * gm[i]);
                notTarget[i] = Math.exp(lseNonTarget - rowLse);
                total += spec.rowLoss(lp);
                g[i] = (float) (weight * scale * spec.rowLossGradient(lp));
            }
        }
        return new RowTerms(total * weight, gm, shift, notTarget, g);
    }

    /** s m + log(sum) of a merged (max, sum) pair: -infinity for a row without entries. */
    private static double logSumExp(float max, float sum, double scale) {
        return max == Float.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : scale * max + Math.log(sum);
    }

    /**
     * dL/dc_iy = (dL/df_iy + sum_{j != y} dL/df_ij dg/dfy) f'(c_iy) with dL/df_ij = g_i ([j = y] - p_ij), then the
     * dX and dW passes.
     */
    private void backward(Call call, int[] labels, double scale, RowTerms rows, double[] dfy, double[] dfNorm,
            float[] featureGrad, float[] weightGrad) {
        int batch = call.batch();
        int classes = call.classes();
        int dim = call.dim();
        DeviceSession s = call.s();
        KernelLauncher k = call.k();
        s.write(call.gm(), rows.gm);
        s.write(call.shift(), rows.shift);
        float[] throughNegatives = call.loss().spec().negativeIgnoresTarget() ? new float[batch]
                : call.rows(MODE_THROUGH_TARGET, scale)[1];
        float[] tcoef = new float[batch];
        float[] normGrad = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != call.loss().ignoreLabel()) {
                // dL/df_iy, through the target logit and through f_y in the negatives
                double through = rows.g[i] * (rows.notTarget[i] - throughNegatives[i]);
                tcoef[i] = (float) (through * dfy[i]);
                normGrad[i] = dfNorm == null ? 0f : (float) (through * dfNorm[i]);
            }
        }
        DeviceBuffer gDev = s.upload(rows.g);
        DeviceBuffer tDev = s.upload(tcoef);
        if (featureGrad != null) {
            int dxChunk = KernelLauncher.ceil(KernelLauncher.ceil(classes, dxChunks(batch, classes, dim)),
                    KernelLauncher.TILE) * KernelLauncher.TILE;
            int dxChunks = KernelLauncher.ceil(classes, dxChunk);
            DeviceBuffer dxPartials = s.floats((long) dxChunks * batch * dim);
            DeviceBuffer gx = s.floats((long) batch * dim);
            k.tiles("mk_fused_dx_partials", dxChunks, KernelLauncher.ceil(batch, KernelLauncher.TILE), call.args(),
                    call.x().hat(), call.w().raw(), call.w().inv(), call.labels(), call.fy(), call.gm(), call.shift(),
                    gDev, tDev, batch, classes, dim, dxChunk, (float) scale, dxPartials);
            k.perRow("mk_fused_dx_finish", batch, dxPartials, call.x().hat(), call.x().inv(), s.upload(normGrad),
                    batch, dim, dxChunks, gx);
            s.read(gx, featureGrad);
        }
        if (weightGrad != null) {
            DeviceBuffer gw = s.floats((long) classes * dim);
            k.tiles("mk_fused_dw", KernelLauncher.ceil(classes, KernelLauncher.TILE), 1, call.args(), call.x().hat(),
                    call.w().raw(), call.w().inv(), call.labels(), call.fy(), call.gm(), call.shift(), gDev, tDev,
                    batch, classes, dim, (float) scale, gw);
            s.read(gw, weightGrad);
        }
    }

    /** Chunks of the dX partials: up to {@value #MAX_DX_CHUNKS}, fewer when the workspace budget is smaller. */
    private int dxChunks(int batch, int classes, int dim) {
        long byBudget = Math.max(1, workspaceBytes / (4L * batch * dim));
        return (int) Math.max(1, Math.min(Math.min(MAX_DX_CHUNKS, byBudget),
                KernelLauncher.ceil(classes, KernelLauncher.TILE)));
    }

    private static void zero(float[] a) {
        if (a != null) {
            Arrays.fill(a, 0f);
        }
    }
}
