package org.marginkernels.gpu;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.spec.ArgumentSlots;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spec.CPrinter;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.RowLogProb;
import org.marginkernels.spi.TopK;

/**
 * A {@link KernelBackend} on a GPU runtime (OpenCL or CUDA): every method runs its arithmetic in device kernels
 * printed by {@link KernelSource}; per-row scalar work (the margin's target f(c_y) and f'(c_y), the row loss F(lp),
 * dF/dlp, the AdaCos scale) runs on the host in double. Programs are compiled once per loss structure and cached by
 * it; the printed source holds no parameter value (the loss's parameters are a kernel argument, see
 * {@link CPrinter#lossFunctions}): a parameter schedule compiles nothing after its first step. The cache keeps the
 * {@value #MAX_PROGRAMS} most recently used programs and releases the others. Calls are serialized; each call's
 * device buffers are freed before it returns, and after {@link #close()} every call throws IllegalStateException
 * before touching native memory. Kernels treat a negative label as ignored, which is exact because the ignore label
 * is always negative and the facade admits no other negative label.
 *
 * <p>Accepts what the facade accepts (row norms in [1e-15, 2^126], scales up to 1e6, logits up to 2^100, bounded
 * layer gradients) and keeps every result finite there: norms are scaled where a float sum of squares would
 * overflow or underflow, and no kernel forms a raw product, sum or exponent that could leave the float range.
 */
public final class GpuKernelBackend implements KernelBackend {

    /** Floats of cosines a topK pass keeps on the device at once, whatever the gallery size. */
    static final int TOP_K_BLOCK_FLOATS = 1 << 20;
    /** Floats of gallery rows a topK pass keeps on the device at once (at least one tile of rows). */
    static final int TOP_K_GALLERY_FLOATS = 1 << 22;

    /** The spec of the layer-level programs: a plain softmax, whose loss functions no layer kernel reads. */
    static final KernelSpec LAYER_SPEC = MarginSoftmax.builder().build().spec();

    private final String name;
    private final TransferCountingRuntime runtime;
    private final CDialect dialect;
    private final BackendOptions options;
    /** The most programs kept compiled: a program per loss structure, far fewer in one training run. */
    public static final int MAX_PROGRAMS = 16;

    /**
     * Programs by the loss structure they were printed from ({@link KernelSpec#negativeArguments()}), least recently
     * used first; evicted programs are released. A new spec of a known structure (a parameter schedule, a state
     * rule's binding) finds its program without printing any source.
     */
    private final LinkedHashMap<ProgramKey, DeviceProgram> programs = new LinkedHashMap<>(16, 0.75f, true);

    /** What a program is printed from: the loss structure and the sub-centers per class (a compile-time constant). */
    private record ProgramKey(List<Expr> structure, int subCenters) {
    }
    private int compiled;
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
        this.runtime = new TransferCountingRuntime(runtime);
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

    /** Bytes copied host to device and back since this backend was opened (every call's uploads and downloads). */
    public TransferCounts transfers() {
        return runtime.counts();
    }

    /** Bytes of device memory this backend's buffers hold now (resident training state included). */
    public long deviceBytesInUse() {
        return runtime.allocatedBytes();
    }

    /** The most bytes of device memory this backend's buffers held at once since it was opened. */
    public long peakDeviceBytes() {
        return runtime.peakAllocatedBytes();
    }

    /** How many programs have been compiled so far: one per loss structure, again only after an eviction. */
    public synchronized int compiledPrograms() {
        return compiled;
    }

    /** How many compiled programs are kept now: at most {@value #MAX_PROGRAMS}. */
    public synchronized int cachedPrograms() {
        return programs.size();
    }

    /**
     * The launcher of the program for {@code spec}, compiling it on first use. Calls are serialized, so the program
     * a launcher holds cannot be evicted while its call runs.
     */
    synchronized KernelLauncher launcher(KernelSpec spec) {
        return launcher(spec, 1);
    }

    /** {@link #launcher(KernelSpec)} for a loss of {@code subCenters} sub-centers per class. */
    synchronized KernelLauncher launcher(KernelSpec spec, int subCenters) {
        return launcher(spec.negativeArguments(), subCenters, () -> KernelSource.print(spec, dialect, subCenters));
    }

    /**
     * The launcher of the program for a regression loss, compiled on first use and cached with the margin programs
     * (a regression structure, two expressions of x and y, never equals a margin structure, three of c and f_y).
     */
    synchronized KernelLauncher launcher(RegressionLoss loss) {
        return launcher(loss.spec().arguments(), 1, () -> KernelSource.printRegression(loss.spec(), dialect));
    }

    private KernelLauncher launcher(ArgumentSlots lifted, int subCenters, Supplier<String> source) {
        checkOpen();
        ProgramKey key = new ProgramKey(lifted.structure(), subCenters);
        DeviceProgram program = programs.get(key);
        if (program == null) {
            program = runtime.compile(source.get());
            compiled++;
            programs.put(key, program);
            if (programs.size() > MAX_PROGRAMS) {
                Iterator<DeviceProgram> eldest = programs.values().iterator();
                eldest.next().close();
                eldest.remove();
            }
        }
        return new KernelLauncher(runtime, program, lifted.values());
    }

    DeviceRuntime runtime() {
        return runtime;
    }

    /** The workspace budget of the fused backward's dX partials. */
    long workspaceBytes() {
        return options.workspaceBytes();
    }

    /** Throws IllegalStateException after {@link #close()}. */
    synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("backend " + name + " is closed");
        }
    }

    @Override
    public synchronized LossResult forwardBackward(MarginSoftmax loss, float[] features, float[] weights,
            int[] labels, int dim, float[] featureGrad, float[] weightGrad) {
        return new GpuFusedMarginSoftmax(this, workspaceBytes()).run(loss, features, weights, labels, dim,
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
        float[] inv = new float[rows];
        for (int r = 0; r < rows; r++) {
            inv[r] = (float) (1.0 / norms[r]);
        }
        try (DeviceSession s = new DeviceSession(runtime)) {
            // g / |x| first: g . y and g itself may exceed the float range where the result does not
            DeviceBuffer scaled = s.floats(output.length);
            k.perRow("mk_scale_rows", rows, s.upload(outputGrad), s.upload(inv), rows, dim, scaled);
            DeviceBuffer gx = s.floats(output.length);
            k.perRow("mk_project_rows", rows, s.upload(output), scaled, rows, dim, gx);
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
                    KernelLauncher.ceil(rows, KernelLauncher.TILE), x.hat, w.raw, w.inv, 0, rows, classes, dim, out);
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
            // dL/dx^ / |x| summed from dc / |x|: the sum of dc alone may exceed the float range
            if (featureGrad != null) {
                DeviceBuffer dxHat = s.floats(features.length);
                DeviceBuffer gx = s.floats(features.length);
                k.perElement("mk_matmul_nn", dim, rows, dc, x.inv, w.hat, rows, classes, dim, dxHat);
                k.perRow("mk_project_rows", rows, x.hat, dxHat, rows, dim, gx);
                s.read(gx, featureGrad);
            }
            if (weightGrad != null) {
                DeviceBuffer dwHat = s.floats(weights.length);
                DeviceBuffer gw = s.floats(weights.length);
                k.perElement("mk_matmul_tn", dim, classes, dc, w.inv, x.hat, rows, classes, dim, dwHat);
                k.perRow("mk_project_rows", classes, w.hat, dwHat, classes, dim, gw);
                s.read(gw, weightGrad);
            }
        }
    }

    @Override
    public synchronized void marginForward(MarginSoftmax loss, float[] cosines, int[] labels, float[] margined) {
        int rows = labels.length;
        int classes = rows == 0 ? 0 : cosines.length / rows;
        KernelLauncher k = launcher(loss.spec());
        float[][] target = targetRows(loss, cosines, labels, classes);
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer out = s.floats(cosines.length);
            k.perElement("mk_margin_forward", classes, rows, k.arguments(s), s.upload(cosines), s.upload(labels),
                    s.upload(target[0]), rows, classes, out);
            s.read(out, margined);
        }
    }

    @Override
    public synchronized void marginBackward(MarginSoftmax loss, float[] cosines, int[] labels, float[] marginedGrad,
            float[] cosineGrad) {
        int rows = labels.length;
        int classes = rows == 0 ? 0 : cosines.length / rows;
        KernelLauncher k = launcher(loss.spec());
        float[][] target = targetRows(loss, cosines, labels, classes);
        try (DeviceSession s = new DeviceSession(runtime)) {
            DeviceBuffer out = s.floats(cosines.length);
            k.perRow("mk_margin_backward", rows, k.arguments(s), s.upload(cosines), s.upload(labels),
                    s.upload(target[0]), s.upload(target[1]), s.upload(marginedGrad), rows, classes, out);
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
            LossResult.Reducer reducer = new LossResult.Reducer(loss, labels);
            float[] g = new float[rows];
            float[] shift = new float[rows];
            float[] oneMinusPy = new float[rows];
            double smoothing = loss.labelSmoothing();
            double q = smoothing / classes;
            for (int i = 0; i < rows; i++) {
                if (labels[i] == loss.ignoreLabel()) {
                    continue;
                }
                // z_y - m as s (f_y - f_max): f_y - f_max keeps its digits in double, s f_y - s f_max not near 2^100
                double d = scale * ((double) margined[i * classes + labels[i]] - fMax[i]);
                double lp = RowLogProb.of(d, sums[i]);
                // lse - s f_max, not d - lp: that cancels when the target is far below the max (d of -1e16)
                shift[i] = (float) RowLogProb.shiftedLogSumExp(d, sums[i]);
                oneMinusPy[i] = (float) (-Math.expm1(lp) - smoothing + q);
                // label smoothing (FusedPlan): -lp + epsilon (z_y - mean_j z_j), the mean in double on the host
                reducer.add(i, spec.rowLoss(lp) + (smoothing == 0 ? 0 : smoothing * scale
                        * (margined[i * classes + labels[i]] - rowMean(margined, i * classes, classes))));
                g[i] = (float) (reducer.weight(i) * scale * spec.rowLossGradient(lp));
            }
            if (marginedGrad != null) {
                DeviceBuffer df = s.floats(margined.length);
                k.perElement("mk_softmax_grad", classes, rows, f, y, rowMax, s.upload(shift), s.upload(g),
                        s.upload(oneMinusPy), rows, classes, (float) scale, (float) q, df);
                s.read(df, marginedGrad);
            }
            return reducer.result(scale, java.util.Optional.empty());
        }
    }

    private static double rowMean(float[] a, int off, int n) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += a[off + j];
        }
        return sum / n;
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
        if (q == 0) {
            return;
        }
        TopK[] selectors = new TopK[q];
        for (int i = 0; i < q; i++) {
            selectors[i] = new TopK(kBest);
        }
        // blocks of queries x gallery rows: at most TOP_K_BLOCK_FLOATS cosines and TOP_K_GALLERY_FLOATS gallery
        // floats on the device at once, gallery blocks a multiple of the tile
        int queryBlock = Math.min(q, TOP_K_BLOCK_FLOATS / KernelLauncher.TILE);
        int galleryBlock = Math.min(g, Math.max(KernelLauncher.TILE, Math.min(TOP_K_BLOCK_FLOATS / queryBlock,
                TOP_K_GALLERY_FLOATS / dim) / KernelLauncher.TILE * KernelLauncher.TILE));
        try (DeviceSession s = new DeviceSession(runtime)) {
            Normalized x = normalize(k, s, queries, q, dim, true);
            DeviceBuffer raw = s.floats((long) galleryBlock * dim);
            DeviceBuffer norm = s.floats(galleryBlock);
            DeviceBuffer inv = s.floats(galleryBlock);
            DeviceBuffer out = s.floats((long) queryBlock * galleryBlock);
            float[] host = new float[queryBlock * galleryBlock];
            for (long b = 0; b < g; b += galleryBlock) {
                int begin = (int) b;
                int count = Math.min(galleryBlock, g - begin);
                s.write(raw, gallery, begin * dim, count * dim);
                k.perRow("mk_row_norms", count, raw, count, dim, norm, inv);
                for (long qb = 0; qb < q; qb += queryBlock) {
                    int q0 = (int) qb;
                    int q1 = Math.min(q, q0 + queryBlock);
                    k.tiles("mk_cosine_matrix", KernelLauncher.ceil(count, KernelLauncher.TILE),
                            KernelLauncher.ceil(q1 - q0, KernelLauncher.TILE), x.hat, raw, inv, q0, q1, count, dim,
                            out);
                    s.read(out, host, (q1 - q0) * count);
                    for (int i = q0; i < q1; i++) {
                        int row = (i - q0) * count;
                        for (int j = 0; j < count; j++) {
                            selectors[i].offer(begin + j, begin + j, host[row + j]);
                        }
                    }
                }
            }
        }
        for (int i = 0; i < q; i++) {
            selectors[i].drainInto(indices, scores, i * kBest);
        }
    }

    @Override
    public synchronized double regressionLoss(RegressionLoss loss, float[] predictions, float[] targets,
            double weight, float[] gradOut) {
        return GpuRegression.run(this, loss, predictions, targets, weight, gradOut);
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
        runtime.close();
    }

    /** Raw rows on the device with their norms, inverse norms and (optionally) the normalized rows. */
    record Normalized(DeviceBuffer raw, DeviceBuffer norm, DeviceBuffer inv, DeviceBuffer hat) {
    }

    /** Uploads {@code data} (rows x dim) and computes |x_r|, 1/|x_r| and, when asked, x_r / |x_r| on the device. */
    static Normalized normalize(KernelLauncher k, DeviceSession s, float[] data, int rows, int dim, boolean hat) {
        return normalize(k, s, s.upload(data), rows, dim, hat);
    }

    /** {@link #normalize(KernelLauncher, DeviceSession, float[], int, int, boolean)} of rows already on the device. */
    static Normalized normalize(KernelLauncher k, DeviceSession s, DeviceBuffer raw, int rows, int dim, boolean hat) {
        DeviceBuffer norm = s.floats(rows);
        DeviceBuffer inv = s.floats(rows);
        k.perRow("mk_row_norms", rows, raw, rows, dim, norm, inv);
        DeviceBuffer normalized = null;
        if (hat) {
            normalized = s.floats((long) rows * dim);
            k.perRow("mk_scale_rows", rows, raw, inv, rows, dim, normalized);
        }
        return new Normalized(raw, norm, inv, normalized);
    }

    /**
     * Per row {f(c_iy), f'(c_iy)} in double rounded to float (0 on ignored rows), as the reference computes them: the
     * float f_y is what every hard-negative test compares a cosine with.
     */
    static float[][] targetRows(MarginSoftmax loss, float[] cosines, int[] labels, int classes) {
        KernelSpec spec = loss.spec();
        float[] fy = new float[labels.length];
        float[] dfy = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != loss.ignoreLabel()) {
                double cy = cosines[i * classes + labels[i]];
                fy[i] = (float) spec.target(cy);
                dfy[i] = (float) spec.targetGradient(cy);
            }
        }
        return new float[][] {fy, dfy};
    }
}
