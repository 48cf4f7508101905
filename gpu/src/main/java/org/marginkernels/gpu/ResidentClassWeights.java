package org.marginkernels.gpu;

import java.util.function.BiFunction;
import org.marginkernels.Backend;
import org.marginkernels.BatchStatistics;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;
import org.marginkernels.spi.ArgumentChecks;
import org.marginkernels.spi.RowCheck;

/**
 * Class weights W that stay on a GPU (OpenCL or CUDA) across training steps, with their gradient dW and an SGD
 * momentum buffer next to them: a step uploads the features and labels and downloads dL/dfeatures and a few per-row
 * scalars, never W or dW (at (256, 512, 100,000) about 1 MiB per step against W's 195 MiB; see
 * {@link #stepBytesBound}). The step is the backend's fused pass ({@link org.marginkernels.spi.FusedPlan} through
 * the same device code as {@link Backend#forwardBackward}), so a step here gives bit for bit what the per-call API
 * gives for the same W. {@link #upload} and {@link #download} copy W explicitly (checkpoints).
 *
 * <p>Checks are the facade's: IllegalArgumentException naming the argument before anything is written. W is checked
 * on upload and, since an update on the device can take a row out of range, on the device before every step (a
 * row whose float norm lies within the check's slack of a bound is fetched and decided exactly); such a row fails
 * the step with IllegalStateException, as the state itself is then invalid. Calls hold the backend's lock; after
 * {@link #close()} or the backend's close they throw IllegalStateException.
 */
public final class ResidentClassWeights implements AutoCloseable {

    /** The widest float norm that certainly passes RowCheck: the slack covers the float sum's rounding. */
    private static final float INNER_MAX_NORM = (float) (RowCheck.MAX_NORM * Math.sqrt(1 - RowCheck.BOUNDARY_SLACK));
    private static final float INNER_MIN_NORM = (float) (RowCheck.MIN_NORM * Math.sqrt(1 + RowCheck.BOUNDARY_SLACK));
    /** Floats that cross the bus per batch row besides its features and feature gradient (see stepBytesBound). */
    private static final int SCALARS_PER_ROW = 16;
    /** Bytes per step that do not depend on the shape: the loss's parameters and the row check's answer. */
    private static final int FIXED_STEP_BYTES = 256;

    private final GpuKernelBackend backend;
    private final int rows;
    private final int dim;
    private final DeviceBuffer weights;
    private final DeviceBuffer weightGrad;
    private final DeviceBuffer momentum;
    private TransferCounts lastStep = new TransferCounts(0, 0);
    private boolean closed;

    private ResidentClassWeights(GpuKernelBackend backend, int rows, int dim) {
        this.backend = backend;
        this.rows = rows;
        this.dim = dim;
        DeviceRuntime runtime = backend.runtime();
        long bytes = 4L * rows * dim;
        DeviceBuffer w = runtime.allocate(bytes);
        DeviceBuffer dw = null;
        DeviceBuffer v = null;
        try {
            dw = runtime.allocate(bytes);
            v = runtime.allocate(bytes);
        } catch (RuntimeException e) {
            w.close();
            if (dw != null) {
                dw.close();
            }
            throw e;
        }
        this.weights = w;
        this.weightGrad = dw;
        this.momentum = v;
    }

    /**
     * Copies {@code weights} (rows x dim: classes x K sub-centers x dim) to the device of {@code backend}, with dW and
     * the momentum buffer zero.
     *
     * @param backend an "opencl" or "cuda" backend; closing it invalidates this object. Not modified.
     * @param weights raw class weights, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param dim the embedding dimension, &gt; 0
     * @throws IllegalArgumentException when backend is not a GPU backend, or on any invalid weights or dim
     */
    public static ResidentClassWeights upload(Backend backend, float[] weights, int dim) {
        ArgumentChecks.notNull("backend", backend);
        if (!(backend.implementation() instanceof GpuKernelBackend gpu)) {
            throw new IllegalArgumentException("backend must be a GPU backend (opencl or cuda), got " + backend.name());
        }
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be > 0, got " + dim);
        }
        int rows = ArgumentChecks.rows("weights", weights, dim);
        ArgumentChecks.finiteRowsWithNorm("weights", weights, dim);
        synchronized (gpu) {
            ResidentClassWeights resident = new ResidentClassWeights(gpu, rows, dim);
            try (DeviceSession s = new DeviceSession(gpu.runtime())) {
                s.write(resident.weights, weights);
                // zeros written on the device: uploading them would cost the bus twice W's bytes
                KernelLauncher k = gpu.launcher(GpuKernelBackend.LAYER_SPEC);
                k.zero(resident.weightGrad, weights.length);
                k.zero(resident.momentum, weights.length);
            } catch (RuntimeException e) {
                resident.close();
                throw e;
            }
            return resident;
        }
    }

    /** Weight rows on the device: classes x sub-centers. */
    public int rows() {
        return rows;
    }

    /** The embedding dimension. */
    public int dim() {
        return dim;
    }

    /** Bytes of W on the device (dW and the momentum buffer hold as many each). */
    public long weightBytes() {
        return 4L * rows * dim;
    }

    /**
     * The loss and dL/dfeatures of one batch against the resident W, with dL/dW left on the device for
     * {@link #applySgd} or {@link #downloadWeightGrad}: Backend.forwardBackward's results for the resident W, bit for
     * bit.
     *
     * @param loss the loss; its sub-centers per class K must divide {@link #rows()}. Not modified.
     * @param features raw embeddings, batch x dim, finite, row norms in [1e-15, 2^126]. Not modified.
     * @param labels class per row in [0, rows / K), or the loss's ignore label. Not modified.
     * @param featureGrad receives dL/dfeatures (batch x dim), or null to skip. Modified.
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     * @throws IllegalStateException after close, or when an update has taken a resident row out of range
     */
    public LossResult forwardBackward(MarginSoftmax loss, float[] features, int[] labels, float[] featureGrad) {
        ResidentArguments.step(loss, features, labels, featureGrad, rows, dim);
        return onDevice(loss, (s, w) -> fused().run(loss, s, features, w, rows, labels, dim, featureGrad,
                weightGrad));
    }

    /**
     * One step of a loss that may keep state (CurricularFace's t, dynamic AdaCos's scale) against the resident W, as
     * Backend.step does it: the batch statistics in double from the features and the target rows of W (only those
     * rows are read back, batch x K x dim floats), the state rules, the bound loss, then {@link #forwardBackward}.
     * For a stateless loss it is {@link #forwardBackward}.
     *
     * @param state the state the previous step returned, or {@link LossState#empty()}. Not modified.
     * @throws IllegalArgumentException on any invalid argument; nothing is written then
     */
    public StepResult step(MarginSoftmax loss, LossState state, float[] features, int[] labels, float[] featureGrad) {
        ArgumentChecks.notNull("state", state);
        if (loss == null || !loss.hasState()) {
            return new StepResult(forwardBackward(loss, features, labels, featureGrad), state);
        }
        double[] featureNorms = ResidentArguments.step(loss, features, labels, featureGrad, rows, dim);
        return onDevice(loss, (s, w) -> {
            KernelLauncher k = backend.launcher(loss.spec(), loss.subCenters());
            DeviceBuffer target = s.floats((long) labels.length * loss.subCenters() * dim);
            k.perRow("mk_gather_target_rows", labels.length, weights, s.upload(labels), labels.length, dim, target);
            float[] targetRows = s.read(target, labels.length * loss.subCenters() * dim);
            BatchStatistics batch = BatchStatistics.ofTargetRows(loss, features, featureNorms, targetRows, labels,
                    dim, rows / loss.subCenters());
            return loss.step(state, batch, labels,
                    bound -> fused().run(bound, s, features, w, rows, labels, dim, featureGrad, weightGrad));
        });
    }

    /**
     * SGD with momentum on the device (torch.optim.SGD without dampening or Nesterov): d = dW + weightDecay W,
     * v = momentum v + d, W = W - learningRate v, elementwise in float with fused multiply-adds, from the dW of the
     * last step. Nothing crosses the bus.
     *
     * @throws IllegalArgumentException when a hyper-parameter is negative or not finite
     */
    public void applySgd(double learningRate, double momentum, double weightDecay) {
        float rate = ResidentArguments.nonNegative("learningRate", learningRate);
        float mu = ResidentArguments.nonNegative("momentum", momentum);
        float decay = ResidentArguments.nonNegative("weightDecay", weightDecay);
        synchronized (backend) {
            open();
            int n = Math.toIntExact((long) rows * dim);
            backend.launcher(GpuKernelBackend.LAYER_SPEC).perRow("mk_sgd_momentum", n, weights, weightGrad,
                    this.momentum, n, rate, mu, decay);
        }
    }

    /** Replaces the resident W (a checkpoint restored); dW and the momentum buffer are kept. */
    public void upload(float[] newWeights) {
        wholeShape("weights", newWeights);
        ArgumentChecks.finiteRowsWithNorm("weights", newWeights, dim);
        copyIn(weights, newWeights);
    }

    /** Replaces the momentum buffer (a checkpoint restored). Values must be finite. */
    public void uploadMomentum(float[] values) {
        wholeShape("momentum", values);
        for (int e = 0; e < values.length; e++) {
            if (!Float.isFinite(values[e])) {
                throw new IllegalArgumentException("momentum[" + e + "] must be finite, got " + values[e]);
            }
        }
        copyIn(momentum, values);
    }

    /** Copies the resident W into {@code out} (rows x dim). Modified. */
    public void download(float[] out) {
        copyOut(weights, "weights", out);
    }

    /** Copies dL/dW of the last step into {@code out} (rows x dim). Modified. */
    public void downloadWeightGrad(float[] out) {
        copyOut(weightGrad, "weightGrad", out);
    }

    /** Copies the momentum buffer into {@code out} (rows x dim). Modified. */
    public void downloadMomentum(float[] out) {
        copyOut(momentum, "momentum", out);
    }

    /** Bytes that crossed the bus during the last {@link #forwardBackward} or {@link #step}. */
    public TransferCounts lastStepTransfers() {
        synchronized (backend) {
            return lastStep;
        }
    }

    /**
     * An upper bound of the bytes a step moves across the bus for a batch of {@code batch} rows of {@code dim}
     * floats, K sub-centers per class and a loss with state (which reads the target rows back) or without: features
     * up and dL/dfeatures down (4 B dim each), target rows down for a stateful loss (4 B K dim), at most
     * {@value #SCALARS_PER_ROW} floats per row (labels, f_y, the softmax state, per-row coefficients, partial sums
     * of up to three passes) and {@value #FIXED_STEP_BYTES} fixed bytes. The class count does not appear: W and dW
     * stay on the device.
     */
    public static long stepBytesBound(int batch, int dim, int subCenters, boolean stateful) {
        long rowFloats = 2L * dim + SCALARS_PER_ROW + (stateful ? (long) subCenters * dim : 0);
        return 4L * batch * rowFloats + FIXED_STEP_BYTES;
    }

    @Override
    public void close() {
        synchronized (backend) {
            if (!closed) {
                closed = true;
                weights.close();
                weightGrad.close();
                momentum.close();
            }
        }
    }

    /**
     * Runs {@code body} under the backend's lock in a fresh session, with W's norms after the device-side row check,
     * and records the bytes it moved as {@link #lastStepTransfers()}.
     */
    private <R> R onDevice(MarginSoftmax loss, BiFunction<DeviceSession, GpuKernelBackend.Normalized, R> body) {
        synchronized (backend) {
            open();
            TransferCounts before = backend.transfers();
            try (DeviceSession s = new DeviceSession(backend.runtime())) {
                return body.apply(s, checkedWeights(loss, s));
            } finally {
                lastStep = backend.transfers().since(before);
            }
        }
    }

    private GpuFusedMarginSoftmax fused() {
        return new GpuFusedMarginSoftmax(backend, backend.workspaceBytes());
    }

    /** W's norms on the device, after checking every row's norm there (see the class comment). */
    private GpuKernelBackend.Normalized checkedWeights(MarginSoftmax loss, DeviceSession s) {
        KernelLauncher k = backend.launcher(loss.spec(), loss.subCenters());
        GpuKernelBackend.Normalized w = GpuKernelBackend.normalize(k, s, weights, rows, dim, false);
        DeviceBuffer suspect = s.ints(1);
        int from = 0;
        while (true) {
            k.groups("mk_first_suspect_row", 1, KernelLauncher.SCAN_GROUP, w.norm(), from, rows, INNER_MIN_NORM,
                    INNER_MAX_NORM, suspect);
            int row = s.readInts(suspect, 1)[0];
            if (row >= rows) {
                return w;
            }
            // the suspect row's class's K rows, by the gather a stateful step uses, and the row among them
            int sub = loss.subCenters();
            DeviceBuffer rowsOfClass = s.floats((long) sub * dim);
            k.perRow("mk_gather_target_rows", 1, weights, s.upload(new int[] {row / sub}), 1, dim, rowsOfClass);
            float[] values = new float[dim];
            float[] all = s.read(rowsOfClass, sub * dim);
            System.arraycopy(all, row % sub * dim, values, 0, dim);
            double sum = RowCheck.sumOfSquares(values, 0, dim);
            if (!RowCheck.passes(sum)) {
                throw new IllegalStateException("resident weights row " + row + " left the accepted range after an "
                        + "update: " + RowCheck.failure("weights", values, dim, 0, sum).getMessage());
            }
            from = row + 1;
        }
    }

    private void copyIn(DeviceBuffer target, float[] values) {
        synchronized (backend) {
            open();
            try (DeviceSession s = new DeviceSession(backend.runtime())) {
                s.write(target, values);
            }
        }
    }

    private void copyOut(DeviceBuffer source, String name, float[] out) {
        wholeShape(name, out);
        synchronized (backend) {
            open();
            try (DeviceSession s = new DeviceSession(backend.runtime())) {
                s.read(source, out);
            }
        }
    }

    /** Checks that {@code array} is not null and holds exactly the resident rows x dim floats. */
    private void wholeShape(String name, float[] array) {
        ArgumentChecks.notNull(name, array);
        ArgumentChecks.length(name, array, rows * dim, rows + " rows of dim=" + dim);
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("resident class weights are closed");
        }
        backend.checkOpen();
    }
}
