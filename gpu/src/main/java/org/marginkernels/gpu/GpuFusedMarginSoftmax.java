package org.marginkernels.gpu;

import java.util.Arrays;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spi.FusedPlan;

/**
 * The fused (logits-free) forward and backward on the device: no batch x classes buffer is ever allocated. The
 * forward walks class tiles per (row tile, class chunk) and leaves per-row partial (max, sum) pairs that a merge
 * kernel combines in chunk order; the backward recomputes every cosine tile, accumulating dX per (row, chunk)
 * partial (summed in chunk order) and dW per class tile in one work-group. Extra device memory: O(batch x chunks)
 * partials (at most {@value #MAX_FORWARD_CHUNKS} chunks, whatever the class count) plus dX partials bounded by the
 * workspace budget. With K sub-centers per class (a compile-time constant of the program, see
 * {@link KernelSource#print(org.marginkernels.spec.KernelSpec, org.marginkernels.spec.CDialect, int)}) every
 * kernel walks classes, each class's cosine the max over its K weight rows; dW covers all classes x K rows.
 *
 * <p>The orchestration and every per-row scalar are the one fused plan's ({@link FusedPlan}, on the host in double:
 * f(c_y) and f'(c_y), so the clamp of c to 1 - 1e-7, which float cannot hold, is exact; log p_y, the row loss and
 * its derivative, the AdaCos scale). The device's softmax state per row is (gm, sum) with gm the largest non-target
 * g(c, f_y) and sum the sum of exp(s (g - gm)): exponents are formed from differences of unscaled values, so they
 * keep their digits at any accepted scale (up to 1e6).
 */
final class GpuFusedMarginSoftmax {

    /** Classes per forward chunk: a multiple of the kernels' class block, large enough that the partials stay small. */
    static final int FORWARD_CHUNK = 16 * KernelLauncher.BLOCK;
    /** The most forward chunks: beyond FORWARD_CHUNK x this many classes the chunks grow instead. */
    static final int MAX_FORWARD_CHUNKS = 1024;
    /**
     * The most class chunks of the dX partials: 256 chunks x 4 row blocks of 64 fill a GPU's work-groups at batch 256
     * (1,024 groups; 64 chunks gave an H100's 132 SMs 256 groups, under one wave).
     */
    static final int MAX_DX_CHUNKS = 256;

    private static final int MODE_SOFTMAX = 0;
    private static final int MODE_ADACOS = 1;
    private static final int MODE_THROUGH_TARGET = 2;
    private static final int MODE_SUM = 3;

    private final GpuKernelBackend backend;
    private final long workspaceBytes;

    GpuFusedMarginSoftmax(GpuKernelBackend backend, long workspaceBytes) {
        this.backend = backend;
        this.workspaceBytes = workspaceBytes;
    }

    /** The device state of one call: inputs, per-row vectors and the partial buffers. */
    private record Call(MarginSoftmax loss, KernelLauncher k, DeviceSession s, DeviceBuffer args,
            GpuKernelBackend.Normalized x, GpuKernelBackend.Normalized w, DeviceBuffer labels, DeviceBuffer fy,
            DeviceBuffer gm, DeviceBuffer shift, DeviceBuffer partMax, DeviceBuffer partSum, DeviceBuffer rowMax,
            DeviceBuffer rowSum, int batch, int classes, int dim, int chunk, int chunks) {

        /**
         * Runs mk_fused_partials in {@code mode} and merges its chunks in order on the device; returns the per-row
         * {max, sum} (modes 0 and 1) or {unused, sum} (modes 2 and 3).
         *
         * @param q the label smoothing mass of mode 2
         */
        float[][] rows(int mode, double scale, double q) {
            k.tiles("mk_fused_partials", chunks, KernelLauncher.ceil(batch, KernelLauncher.BLOCK), args, x.hat(),
                    w.raw(), w.inv(), labels, fy, gm, shift, batch, classes, dim, chunk, (float) scale, (float) q,
                    mode, partMax, partSum);
            k.perRow("mk_fused_merge", batch, partMax, partSum, batch, chunks, (float) scale, mode, rowMax, rowSum);
            return new float[][] {s.read(rowMax, batch), s.read(rowSum, batch)};
        }
    }

    /**
     * The loss and, when a gradient array is given, dL/dfeatures and dL/dweights, through the one fused plan
     * ({@link FusedPlan}); see KernelBackend. Uploads the weights and reads their gradient back.
     */
    LossResult run(MarginSoftmax loss, float[] features, float[] weights, int[] labels, int dim, float[] featureGrad,
            float[] weightGrad) {
        backend.checkOpen();
        if (labels.length == 0) {
            zero(featureGrad);
            zero(weightGrad);
            return emptyBatch(loss, weights.length / dim / loss.subCenters());
        }
        try (DeviceSession s = new DeviceSession(backend.runtime())) {
            int rows = weights.length / dim;
            DeviceBuffer gw = weightGrad == null ? null : s.floats(weightGrad.length);
            GpuKernelBackend.Normalized w = GpuKernelBackend.normalize(
                    backend.launcher(loss.spec(), loss.subCenters()), s, weights, rows, dim, false);
            LossResult result = run(loss, s, features, w, rows, labels, dim, featureGrad, gw);
            if (gw != null) {
                s.read(gw, weightGrad);
            }
            return result;
        }
    }

    /**
     * {@link #run(MarginSoftmax, float[], float[], int[], int, float[], float[])} over weights that are on the device
     * already: only the features, labels, per-row scalars and dL/dfeatures cross the bus. The batch is not empty.
     *
     * @param s the session that owns this call's scratch buffers
     * @param w raw class weights on the device with their norms ({@code rows} x dim). Not modified.
     * @param rows weight rows: classes x sub-centers
     * @param weightGrad receives dL/dweights on the device (rows x dim), or null to skip. Modified.
     */
    LossResult run(MarginSoftmax loss, DeviceSession s, float[] features, GpuKernelBackend.Normalized w, int rows,
            int[] labels, int dim, float[] featureGrad, DeviceBuffer weightGrad) {
        int batch = labels.length;
        int classes = rows / loss.subCenters();
        KernelLauncher k = backend.launcher(loss.spec(), loss.subCenters());
        GpuKernelBackend.Normalized x = GpuKernelBackend.normalize(k, s, features, batch, dim, true);
        int chunk = forwardChunk(classes);
        int chunks = KernelLauncher.ceil(classes, chunk);
        // f_y, gm and shift start at zero: the AdaCos pass reads them without using them
        Call call = new Call(loss, k, s, k.arguments(s), x, w, s.upload(labels), zeros(k, s, batch),
                zeros(k, s, batch), zeros(k, s, batch), s.floats((long) chunks * batch),
                s.floats((long) chunks * batch), s.floats(batch), s.floats(batch), batch, classes, dim, chunk,
                chunks);
        return FusedPlan.run(loss, labels, classes, new Tiles(call, featureGrad, weightGrad),
                featureGrad != null || weightGrad != null);
    }

    /** {@code n} new floats, zeroed on the device ({@link KernelLauncher#zero}). */
    private static DeviceBuffer zeros(KernelLauncher k, DeviceSession s, int n) {
        DeviceBuffer zero = s.floats(n);
        k.zero(zero, n);
        return zero;
    }

    private static LossResult emptyBatch(MarginSoftmax loss, int classes) {
        return new LossResult(0, loss.fixedScale(classes).orElseGet(() -> loss.adaCosPreviousScale(classes)), 0);
    }

    /** Classes per forward chunk: {@value #FORWARD_CHUNK}, or more (a multiple of the class block) for a huge class count. */
    static int forwardChunk(int classes) {
        int spread = KernelLauncher.ceil(KernelLauncher.ceil(classes, MAX_FORWARD_CHUNKS), KernelLauncher.BLOCK)
                * KernelLauncher.BLOCK;
        return Math.max(FORWARD_CHUNK, spread);
    }

    /**
     * The device side of the plan for one call. The device's softmax state per row is (gm, shift): gm the largest
     * non-target g(c, f_y) of the last softmax pass, shift = lse - s gm, so p_ij = exp(s (g_ij - gm) - shift) is
     * formed from differences of unscaled values.
     */
    private final class Tiles implements FusedPlan.Tiles {

        private final Call call;
        private final float[] featureGrad;
        private final DeviceBuffer weightGrad;
        private float[] lastMax;
        private boolean shifted;

        Tiles(Call call, float[] featureGrad, DeviceBuffer weightGrad) {
            this.call = call;
            this.featureGrad = featureGrad;
            this.weightGrad = weightGrad;
        }

        @Override
        public float[] targetCosines() {
            DeviceBuffer cy = call.s().floats(call.batch());
            call.k().perRow("mk_target_cosines", call.batch(), call.x().hat(), call.w().raw(), call.w().inv(),
                    call.labels(), call.batch(), call.dim(), cy);
            return call.s().read(cy, call.batch());
        }

        @Override
        public double[] featureNorms() {
            return widen(call.s().read(call.x().norm(), call.batch()));
        }

        @Override
        public double[] nonTargetLogSumExp(float scale, float[] fy) {
            if (fy != null) {
                call.s().write(call.fy(), fy);
            }
            float[][] rows = call.rows(fy == null ? MODE_ADACOS : MODE_SOFTMAX, scale, 0);
            if (fy != null) {
                lastMax = rows[0];
            }
            double[] lse = new double[call.batch()];
            for (int i = 0; i < lse.length; i++) {
                lse[i] = rows[0][i] == Float.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                        : (double) scale * rows[0][i] + Math.log(rows[1][i]);
            }
            return lse;
        }

        @Override
        public double[] nonTargetMax() {
            double[] max = new double[lastMax.length];
            for (int i = 0; i < max.length; i++) {
                max[i] = lastMax[i];
            }
            return max;
        }

        @Override
        public double[] nonTargetSums(float[] fy) {
            // f_y is on the device since the softmax pass
            return widen(call.rows(MODE_SUM, 1, 0)[1]);
        }

        /** Writes (gm, shift) of the last softmax pass to the device, once. */
        private void shift(FusedPlan.Rows rows) {
            if (shifted) {
                return;
            }
            int batch = call.batch();
            float[] gm = new float[batch];
            float[] shift = new float[batch];
            for (int i = 0; i < batch; i++) {
                gm[i] = lastMax[i] == Float.NEGATIVE_INFINITY ? 0f : lastMax[i];
                shift[i] = (float) (rows.lse()[i] - (double) rows.s() * gm[i]);
            }
            call.s().write(call.gm(), gm);
            call.s().write(call.shift(), shift);
            shifted = true;
        }

        @Override
        public double[] targetPathSums(FusedPlan.Rows rows) {
            shift(rows);
            return widen(call.rows(MODE_THROUGH_TARGET, rows.s(), rows.q())[1]);
        }

        @Override
        public void backward(FusedPlan.Rows rows, float[] targetGrad, double[] normGrad) {
            shift(rows);
            int batch = call.batch();
            int classes = call.classes();
            int dim = call.dim();
            float scale = rows.s();
            DeviceSession s = call.s();
            KernelLauncher k = call.k();
            float[] g = new float[batch];
            float[] along = new float[batch];
            for (int i = 0; i < batch; i++) {
                g[i] = (float) rows.g()[i];
                along[i] = normGrad == null ? 0f : (float) normGrad[i];
            }
            DeviceBuffer gDev = s.upload(g);
            DeviceBuffer tDev = s.upload(targetGrad);
            if (featureGrad != null) {
                int dxChunk = KernelLauncher.ceil(KernelLauncher.ceil(classes, dxChunks(batch, classes, dim)),
                        KernelLauncher.BLOCK) * KernelLauncher.BLOCK;
                int dxChunks = KernelLauncher.ceil(classes, dxChunk);
                DeviceBuffer dxPartials = s.floats((long) dxChunks * batch * dim);
                DeviceBuffer gx = s.floats((long) batch * dim);
                k.tiles("mk_fused_dx_partials", dxChunks, KernelLauncher.ceil(batch, KernelLauncher.BLOCK),
                        call.args(), call.x().hat(), call.w().raw(), call.w().inv(), call.labels(), call.fy(),
                        call.gm(), call.shift(), gDev, tDev, batch, classes, dim, dxChunk, scale, (float) rows.q(),
                        dxPartials);
                k.perRow("mk_fused_dx_finish", batch, dxPartials, call.x().hat(), call.x().inv(), s.upload(along),
                        batch, dim, dxChunks, gx);
                s.read(gx, featureGrad);
            }
            if (weightGrad != null) {
                k.tiles("mk_fused_dw", KernelLauncher.ceil(classes, KernelLauncher.BLOCK), 1, call.args(),
                        call.x().hat(), call.w().raw(), call.w().inv(), call.labels(), call.fy(), call.gm(),
                        call.shift(), gDev, tDev, batch, classes, dim, scale, (float) rows.q(), weightGrad);
            }
        }
    }

    /** Chunks of the dX partials: up to {@value #MAX_DX_CHUNKS}, fewer when the workspace budget is smaller. */
    private int dxChunks(int batch, int classes, int dim) {
        long byBudget = Math.max(1, workspaceBytes / (4L * batch * dim));
        return (int) Math.max(1, Math.min(Math.min(MAX_DX_CHUNKS, byBudget),
                KernelLauncher.ceil(classes, KernelLauncher.BLOCK)));
    }

    private static double[] widen(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static void zero(float[] a) {
        if (a != null) {
            Arrays.fill(a, 0f);
        }
    }
}
