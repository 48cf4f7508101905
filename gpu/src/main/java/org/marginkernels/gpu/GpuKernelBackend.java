package org.marginkernels.gpu;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Reduction;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.RowLogProb;
import org.marginkernels.spi.TopKSelector;

/**
 * A {@link KernelBackend} on a GPU runtime (OpenCL or CUDA): every method runs its arithmetic in device kernels
 * printed by {@link KernelSource}; per-row scalar work (the row loss F(lp), dF/dlp, the AdaCos scale) runs on the
 * host in double. Programs are compiled once per loss and cached by their printed source. Calls are serialized;
 * each call's device buffers are freed before it returns. Kernels treat a negative label as ignored, which is
 * exact because the ignore label is always negative and the facade admits no other negative label.
 */
public final class GpuKernelBackend implements KernelBackend {

    /** Floats of cosines a topK pass keeps on the device at once, whatever the gallery size. */
    static final int TOP_K_BLOCK_FLOATS = 1 << 20;

    private static final KernelSpec LAYER_SPEC = MarginSoftmax.builder().build().spec();

    private final String name;
    private final DeviceRuntime runtime;
    private final CDialect dialect;
    private final BackendOptions options;
    private final Map<String, DeviceProgram> programs = new HashMap<>();
    /**
     * Programs by spec object, in front of {@link #programs}: a loss's spec is immutable and the same object on every
     * call, so the source (tens of KB, five printer passes) is printed once per spec, not on every call.
     */
    private final Map<KernelSpec, DeviceProgram> bySpec = new WeakHashMap<>();
    private boolean closed;

    /**
     * A backend over {@code runtime}, which it owns and closes.
     *
     * @param name the backend name ("opencl", "cuda")
     * @param runtime the device runtime
     * @param dialect the dialect the runtime compiles
     * @param options the workspace budget applies to the dX partials of the fused backward
     */
    public GpuKernelBackend(String name, DeviceRuntime runtime, CDialect dialect, BackendOptions options) {
        this.name = name;
        this.runtime = runtime;
        this.dialect = dialect;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    /** The runtime's description: API, platform and device. */
    public String device() {
        return runtime.description();
    }

    /** How many distinct programs have been compiled so far (one per distinct loss source). */
    public synchronized int compiledPrograms() {
        return programs.size();
    }

    /** The launcher of the program for {@code spec}, compiling it on first use. */
    synchronized KernelLauncher launcher(KernelSpec spec) {
        if (closed) {
            throw new IllegalStateException("backend " + name + " is closed");
        }
        DeviceProgram program = bySpec.computeIfAbsent(spec,
                key -> programs.computeIfAbsent(KernelSource.print(key, dialect), runtime::compile));
        return new KernelLauncher(runtime, program);
    }

    DeviceRuntime runtime() {
        return runtime;
    }

    @Override
    public synchronized LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights,
            int[] labels, int dim, float[] featureGrad, float[] weightGrad) {
        return new GpuFusedMarginSoftmax(this, options.workspaceBytes()).run(loss, features, weights, labels, dim,
                featureGrad, weightGrad);
    }

    @Override
    public synchronized void l2Normalize(float[] input, int dim, float[] output, float[] norms) {
        int rows = input.length / dim;
        KernelLauncher k = launcher(LAYER_SPEC);
        try (DeviceSession s = new DeviceSession(runtime)) {
            Normalized x = normalize(k, s, input, rows, dim, true);
            s.read(x.hat(), output);
            if (norms != null) {
                s.read(x.norm(), norms);
            }
        }
    }

    @Override
    public synchronized void l2NormalizeBackward(float[] output, float[] norms, float[] outputGrad, int dim,
            float[] inputGrad) {
        int rows = output.length / dim;
        KernelLauncher k = launcher(LAYER_SPEC);
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer gx = s.floats(output.length);
            k.perRow("mk_normalize_backward", rows, s.upload(output), s.upload(norms), s.upload(outputGrad), rows,
                    dim, gx);
            s.read(gx, inputGrad);
        }
    }

    @Override
    public synchronized void cosineLogits(float[] features, float[] weights, int dim, float[] cosines) {
        int rows = features.length / dim;
        int classes = weights.length / dim;
        KernelLauncher k = launcher(LAYER_SPEC);
        try (DeviceSession s = new DeviceSession(runtime)) {
            Normalized x = normalize(k, s, features, rows, dim, true);
            Normalized w = normalize(k, s, weights, classes, dim, false);
            DeviceBuffer out = s.floats((long) rows * classes);
            k.tiles("mk_cosine_matrix", KernelLauncher.ceil(classes, KernelLauncher.TILE),
                    KernelLauncher.ceil(rows, KernelLauncher.TILE), x.hat, w.raw, w.inv, rows, 0, classes, dim, out);
            s.read(out, cosines);
        }
    }

    @Override
    public synchronized void cosineLogitsBackward(float[] features, float[] weights, int dim, float[] cosineGrad,
            float[] featureGrad, float[] weightGrad) {
        int rows = features.length / dim;
        int classes = weights.length / dim;
        KernelLauncher k = launcher(LAYER_SPEC);
        try (DeviceSession s = new DeviceSession(runtime)) {
            Normalized x = normalize(k, s, features, rows, dim, true);
            Normalized w = normalize(k, s, weights, classes, dim, true);
            DeviceBuffer dc = s.upload(cosineGrad);
            if (featureGrad != null) {
                DeviceBuffer dxHat = s.floats(features.length);
                DeviceBuffer gx = s.floats(features.length);
                k.perElement("mk_matmul_nn", dim, rows, dc, w.hat, rows, classes, dim, dxHat);
                k.perRow("mk_normalize_backward", rows, x.hat, x.norm, dxHat, rows, dim, gx);
                s.read(gx, featureGrad);
            }
            if (weightGrad != null) {
                DeviceBuffer dwHat = s.floats(weights.length);
                DeviceBuffer gw = s.floats(weights.length);
                k.perElement("mk_matmul_tn", dim, classes, dc, x.hat, rows, classes, dim, dwHat);
                k.perRow("mk_normalize_backward", classes, w.hat, w.norm, dwHat, classes, dim, gw);
                s.read(gw, weightGrad);
            }
        }
    }

    @Override
    public synchronized void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        int rows = labels.length;
        int classes = rows == 0 ? 0 : cosines.length / rows;
        KernelLauncher k = launcher(loss.spec());
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer out = s.floats(cosines.length);
            k.perElement("mk_margin_forward", classes, rows, s.upload(cosines), s.upload(labels), rows, classes, out);
            s.read(out, margined);
        }
    }

    @Override
    public synchronized void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        int rows = labels.length;
        int classes = rows == 0 ? 0 : cosines.length / rows;
        KernelLauncher k = launcher(loss.spec());
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer out = s.floats(cosines.length);
            k.perRow("mk_margin_backward", rows, s.upload(cosines), s.upload(labels),
                    s.upload(marginedGrad), rows, classes, out);
            s.read(out, cosineGrad);
        }
    }

    @Override
    public synchronized LossResult scaledSoftmaxCrossEntropy(MarginSoftmax loss, double scale, float[] margined,
            int[] labels, float[] marginedGrad) {
        int rows = labels.length;
        int classes = rows == 0 ? 0 : margined.length / rows;
        KernelSpec spec = loss.spec();
        KernelLauncher k = launcher(spec);
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer f = s.upload(margined);
            DeviceBuffer y = s.upload(labels);
            DeviceBuffer rowMax = s.floats(rows);
            DeviceBuffer nonTarget = s.floats(rows);
            k.perRow("mk_softmax_rows", rows, f, y, rows, classes, (float) scale, rowMax, nonTarget);
            float[] fMax = s.read(rowMax, rows);
            float[] sums = s.read(nonTarget, rows);
            int counted = countedRows(loss, labels);
            double weight = loss.reduction() == Reduction.MEAN && counted > 0 ? 1.0 / counted : 1.0;
            float[] g = new float[rows];
            float[] lse = new float[rows];
            float[] oneMinusPy = new float[rows];
            double total = 0;
            for (int i = 0; i < rows; i++) {
                if (labels[i] == loss.ignoreLabel()) {
                    continue;
                }
                double m = scale * fMax[i];
                double zy = scale * margined[i * classes + labels[i]];
                double lp = RowLogProb.of(zy - m, sums[i]);
                lse[i] = (float) (zy - lp);
                oneMinusPy[i] = (float) -Math.expm1(lp);
                total += spec.rowLoss(lp);
                g[i] = (float) (weight * scale * spec.rowLossGradient(lp));
            }
            if (marginedGrad != null) {
                DeviceBuffer df = s.floats(margined.length);
                k.perElement("mk_softmax_grad", classes, rows, f, y, s.upload(lse), s.upload(g),
                        s.upload(oneMinusPy), rows, classes, (float) scale, df);
                s.read(df, marginedGrad);
            }
            return new LossResult(total * weight, scale, counted);
        }
    }

    @Override
    public synchronized void pairCosines(float[] left, float[] right, int dim, float[] out) {
        int rows = out.length;
        KernelLauncher k = launcher(LAYER_SPEC);
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer o = s.floats(rows);
            k.perRow("mk_pair_cosines", rows, s.upload(left), s.upload(right), rows, dim, o);
            s.read(o, out);
        }
    }

    @Override
    public synchronized void topK(float[] queries, float[] gallery, int dim, int kBest, int[] indices,
            float[] scores) {
        int q = queries.length / dim;
        int g = gallery.length / dim;
        KernelLauncher k = launcher(LAYER_SPEC);
        TopKSelector[] selectors = new TopKSelector[q];
        for (int i = 0; i < q; i++) {
            selectors[i] = new TopKSelector(kBest);
        }
        // gallery block: at most TOP_K_BLOCK_FLOATS cosines on device and host at once, a multiple of the tile
        int block = Math.max(KernelLauncher.TILE, Math.min(g, TOP_K_BLOCK_FLOATS / Math.max(1, q))
                / KernelLauncher.TILE * KernelLauncher.TILE);
        try (DeviceSession s = new DeviceSession(runtime)) {
            Normalized x = normalize(k, s, queries, q, dim, true);
            Normalized w = normalize(k, s, gallery, g, dim, false);
            DeviceBuffer out = s.floats((long) q * block);
            float[] host = new float[q * block];
            for (int begin = 0; begin < g; begin += block) {
                int end = Math.min(g, begin + block);
                int count = end - begin;
                k.tiles("mk_cosine_matrix", KernelLauncher.ceil(count, KernelLauncher.TILE),
                        KernelLauncher.ceil(q, KernelLauncher.TILE), x.hat, w.raw, w.inv, q, begin, end, dim, out);
                s.read(out, host);
                for (int i = 0; i < q; i++) {
                    for (int j = 0; j < count; j++) {
                        selectors[i].offer(begin + j, host[i * count + j]);
                    }
                }
            }
        }
        for (int i = 0; i < q; i++) {
            selectors[i].drainInto(indices, scores, i * kBest);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DeviceProgram p : programs.values()) {
            p.close();
        }
        programs.clear();
        bySpec.clear();
        runtime.close();
    }

    /** Raw rows on the device with their norms, inverse norms and (optionally) the normalized rows. */
    record Normalized(DeviceBuffer raw, DeviceBuffer norm, DeviceBuffer inv, DeviceBuffer hat) {
    }

    /** Uploads {@code data} (rows x dim) and computes |x_r|, 1/|x_r| and, when asked, x_r / |x_r| on the device. */
    static Normalized normalize(KernelLauncher k, DeviceSession s, float[] data, int rows, int dim, boolean hat) {
        DeviceBuffer raw = s.upload(data);
        DeviceBuffer norm = s.floats(rows);
        DeviceBuffer inv = s.floats(rows);
        k.perRow("mk_row_norms", rows, raw, rows, dim, norm, inv);
        DeviceBuffer normalized = null;
        if (hat) {
            normalized = s.floats(data.length);
            k.perRow("mk_scale_rows", rows, raw, inv, rows, dim, normalized);
        }
        return new Normalized(raw, norm, inv, normalized);
    }

    /** Rows with the loss's ignore label, counted. */
    static int countedRows(MarginSoftmax loss, int[] labels) {
        int n = 0;
        for (int y : labels) {
            n += y == loss.ignoreLabel() ? 0 : 1;
        }
        return n;
    }
}
