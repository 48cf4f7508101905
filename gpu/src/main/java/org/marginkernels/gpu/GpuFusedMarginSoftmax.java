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
 * forward walks class tiles per (row tile, class chunk) and leaves per-row partial (max, sum) pairs that the host
 * merges in chunk order; the backward recomputes every cosine tile, accumulating dX per (row, chunk) partial (summed
 * in chunk order) and dW per class tile in one work-group. Extra device memory: O(batch x chunks) partials plus
 * dX partials bounded by the workspace budget.
 */
final class GpuFusedMarginSoftmax {

    /** Classes per forward chunk: a multiple of the tile, large enough that the partials stay small. */
    static final int FORWARD_CHUNK = 64 * KernelLauncher.TILE;
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
    private record Call(MarginSoftmax loss, KernelLauncher k, DeviceSession s, GpuKernelBackend.Normalized x,
            GpuKernelBackend.Normalized w, DeviceBuffer labels, DeviceBuffer fy, DeviceBuffer lse, DeviceBuffer pMax,
            DeviceBuffer pSum, int batch, int classes, int dim, int chunks) {

        /** Runs mk_fused_partials in {@code mode} and returns its {max, sum} partials, chunk-major. */
        float[][] partials(int mode, double scale) {
            k.tiles("mk_fused_partials", chunks, KernelLauncher.ceil(batch, KernelLauncher.TILE), x.hat(), w.raw(),
                    w.inv(), labels, fy, lse, batch, classes, dim, FORWARD_CHUNK, (float) scale, mode, pMax, pSum);
            return new float[][] {s.read(pMax, chunks * batch), s.read(pSum, chunks * batch)};
        }
    }

    /** The loss and, when a gradient array is given, dL/dfeatures and dL/dweights; see KernelBackend. */
    LossResult run(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim, float[] featureGrad,
            float[] weightGrad) {
        int batch = labels.length;
        int classes = weights.length / dim;
        int counted = GpuKernelBackend.countedRows(loss, labels);
        if (batch == 0) {
            zero(featureGrad);
            zero(weightGrad);
            double scale = loss.staticScale(classes);
            return new LossResult(0, Double.isNaN(scale) ? loss.adaCosPreviousScale(classes) : scale, 0);
        }
        KernelLauncher k = backend.launcher(loss.spec());
        try (DeviceSession s = new DeviceSession(backend.runtime())) {
            GpuKernelBackend.Normalized x = GpuKernelBackend.normalize(k, s, features, batch, dim, true);
            GpuKernelBackend.Normalized w = GpuKernelBackend.normalize(k, s, weights, classes, dim, false);
            DeviceBuffer lab = s.upload(labels);
            DeviceBuffer cyDev = s.floats(batch);
            DeviceBuffer fyDev = s.floats(batch);
            DeviceBuffer dfyDev = s.floats(batch);
            k.perRow("mk_target_rows", batch, x.hat(), w.raw(), w.inv(), lab, batch, dim, cyDev, fyDev, dfyDev);
            float[] cy = s.read(cyDev, batch);
            float[] fy = s.read(fyDev, batch);
            int chunks = KernelLauncher.ceil(classes, FORWARD_CHUNK);
            Call call = new Call(loss, k, s, x, w, lab, fyDev, s.upload(new float[batch]),
                    s.floats((long) chunks * batch), s.floats((long) chunks * batch), batch, classes, dim, chunks);

            double scale = scale(call, labels, cy, counted);
            RowTerms rows = rowTerms(loss, scale, fy, labels, counted,
                    mergeLse(call.partials(MODE_SOFTMAX, scale), chunks, batch));
            if (featureGrad != null || weightGrad != null) {
                backward(call, labels, scale, rows, s.read(dfyDev, batch), featureGrad, weightGrad);
            }
            return new LossResult(rows.loss, scale, counted);
        }
    }

    /** The fixed scale, or dynamic AdaCos from the non-target lse at s_prev and the target cosines. */
    private static double scale(Call call, int[] labels, float[] cy, int counted) {
        MarginSoftmax loss = call.loss();
        double fixed = loss.staticScale(call.classes());
        if (!Double.isNaN(fixed)) {
            return fixed;
        }
        double previous = loss.adaCosPreviousScale(call.classes());
        double[] nonTarget = mergeLse(call.partials(MODE_ADACOS, previous), call.chunks(), call.batch());
        double[] lse = new double[counted];
        double[] target = new double[counted];
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                lse[n] = nonTarget[i];
                target[n++] = cy[i];
            }
        }
        return AdaCosScale.compute(previous, lse, target, n);
    }

    /** Per-row results of the forward: the reduced loss, lse_i, 1 - p_iy and g_i = w s F'(lp). */
    private record RowTerms(double loss, float[] lse, double[] notTarget, float[] g) {
    }

    // lp = log p_y from RowLogProb (precise when p_y is near 1); lse = s f_y - lp; 1 - p_y = exp(lse_nt - lse)
    private static RowTerms rowTerms(MarginSoftmax loss, double scale, float[] fy, int[] labels, int counted,
            double[] nonTarget) {
        KernelSpec spec = loss.spec();
        int batch = labels.length;
        double weight = loss.reduction() == Reduction.MEAN && counted > 0 ? 1.0 / counted : 1.0;
        double total = 0;
        float[] lse = new float[batch];
        double[] notTarget = new double[batch];
        float[] g = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                double zy = scale * fy[i];
                double lp = RowLogProb.ofLogSumExp(zy, nonTarget[i]);
                double rowLse = zy - lp;
                lse[i] = (float) rowLse;
                notTarget[i] = Math.exp(nonTarget[i] - rowLse);
                total += spec.rowLoss(lp);
                g[i] = (float) (weight * scale * spec.rowLossGradient(lp));
            }
        }
        return new RowTerms(total * weight, lse, notTarget, g);
    }

    /**
     * dL/dc_iy = (dL/df_iy + sum_{j != y} dL/df_ij dg/dfy) f'(c_iy) with dL/df_ij = g_i ([j = y] - p_ij), then the
     * dX and dW passes.
     */
    private void backward(Call call, int[] labels, double scale, RowTerms rows, float[] dfy, float[] featureGrad,
            float[] weightGrad) {
        int batch = call.batch();
        int classes = call.classes();
        int dim = call.dim();
        DeviceSession s = call.s();
        KernelLauncher k = call.k();
        s.write(call.lse(), rows.lse);
        float[] throughNegatives = call.loss().spec().negativeIgnoresTarget() ? new float[call.chunks() * batch]
                : call.partials(MODE_THROUGH_TARGET, scale)[1];
        float[] tcoef = new float[batch];
        for (int i = 0; i < batch; i++) {
            if (labels[i] != call.loss().ignoreLabel()) {
                double sum = 0;
                for (int c = 0; c < call.chunks(); c++) {
                    sum += throughNegatives[c * batch + i];
                }
                tcoef[i] = (float) (rows.g[i] * (rows.notTarget[i] - sum) * dfy[i]);
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
            k.tiles("mk_fused_dx_partials", dxChunks, KernelLauncher.ceil(batch, KernelLauncher.TILE),
                    call.x().hat(), call.w().raw(), call.w().inv(), call.labels(), call.fy(), call.lse(), gDev, tDev,
                    batch, classes, dim, dxChunk, (float) scale, dxPartials);
            k.perRow("mk_fused_dx_finish", batch, dxPartials, call.x().hat(), call.x().norm(), batch, dim, dxChunks,
                    gx);
            s.read(gx, featureGrad);
        }
        if (weightGrad != null) {
            DeviceBuffer gw = s.floats((long) classes * dim);
            k.tiles("mk_fused_dw", KernelLauncher.ceil(classes, KernelLauncher.TILE), 1, call.x().hat(),
                    call.w().raw(), call.w().inv(), call.labels(), call.fy(), call.lse(), gDev, tDev, batch, classes,
                    dim, (float) scale, gw);
            s.read(gw, weightGrad);
        }
    }

    /** Chunks of the dX partials: up to {@value #MAX_DX_CHUNKS}, fewer when the workspace budget is smaller. */
    private int dxChunks(int batch, int classes, int dim) {
        long byBudget = Math.max(1, workspaceBytes / (4L * batch * dim));
        return (int) Math.max(1, Math.min(Math.min(MAX_DX_CHUNKS, byBudget),
                KernelLauncher.ceil(classes, KernelLauncher.TILE)));
    }

    /** lse_r = M + log S (-infinity without entries) from (max, sum) partials merged in chunk order, in double. */
    private static double[] mergeLse(float[][] partials, int chunks, int rows) {
        double[] lse = new double[rows];
        for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int c = 0; c < chunks; c++) {
                double pm = partials[0][c * rows + r];
                double ps = partials[1][c * rows + r];
                if (pm == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                if (pm > m) {
                    sum = sum * Math.exp(m - pm) + ps;
                    m = pm;
                } else {
                    sum += ps * Math.exp(pm - m);
                }
            }
            lse[r] = m + Math.log(sum);
        }
        return lse;
    }

    private static void zero(float[] a) {
        if (a != null) {
            Arrays.fill(a, 0f);
        }
    }
}
