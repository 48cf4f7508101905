package org.marginkernels.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.marginkernels.Backend;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/**
 * A margin-softmax classification head (ArcFace and the rest of {@link MarginSoftmax}) as a DJL block whose class
 * weights W (classes x dim, or classes K x dim for K sub-centers) are a DJL {@link Parameter}, so DJL initializes,
 * saves and updates them with its own optimizer.
 *
 * <p>Called with labels ({@code Trainer.forward(data, labels)}, which a {@code SequentialBlock} passes down), the
 * head reads the embeddings (batch x dim) and W, runs the fused margin-kernels step (never forming the
 * batch x classes logits) and returns one scalar: the loss, built by {@link GradientSurrogate} so that DJL's
 * backward gives the embeddings exactly the fused gradient, and W too in the default {@link WeightGradient#AUTOGRAD}
 * mode ({@link WeightGradient#DIRECT} adds W's into its gradient array itself). Pair it with {@link MarginHeadLoss},
 * which passes that scalar to the trainer. A loss with state (CurricularFace's t, dynamic AdaCos) keeps it here
 * between steps. A forward that autograd does not record (libtorch's grad mode off, as outside a
 * {@code GradientCollector} on the thread that loaded DJL's PyTorch engine) computes the loss only and returns it as
 * a plain scalar; a frozen W gets no gradient.
 *
 * <p>Called without labels (inference, or a trainer's evaluate), it returns the cosine logits (batch x classes)
 * computed with DJL ops, for accuracy or retrieval.
 */
public final class MarginHead extends AbstractBlock {

    /** How the head hands dL/dW to DJL. */
    public enum WeightGradient {
        /**
         * Through DJL's autograd ({@link GradientSurrogate}): exact however the head's loss is used (scaled,
         * summed with others, back-propagated or not). libtorch then makes a W-sized product and adds it into W's
         * gradient on every backward: about 100 ms a step at 100 000 x 512 on two cores (measured).
         */
        AUTOGRAD,
        /**
         * Added into W's gradient array by the head, during a training forward that autograd records, for a loop that
         * back-propagates the head's loss exactly once, with weight 1, before the next training forward: DJL's
         * {@code EasyTrain} and {@code Trainer} do, with the loss used as is or summed with other losses. The
         * embeddings' gradient still goes through autograd.
         *
         * <p>Recorded means libtorch's grad mode is on, which is per thread: DJL's {@code GradientCollector} turns
         * it on, and DJL turns it off on the thread that loaded the engine; on other threads libtorch starts with it
         * on, so a labeled forward there counts as recorded even outside a collector.
         *
         * <p>A one-element probe per device in the output records what the backward passed; the next recorded
         * forward throws {@link IllegalStateException}, before writing anything, when the last one added dL/dW and
         * the backward passed anything but exactly 1 (a scaled loss, two backwards, none). The check reports a wrong
         * step after the fact (an optimizer may have applied it already, and a loop's last step is not checked); it
         * is there so that such a loop does not train on silently. W's first step goes through autograd (libtorch
         * has no gradient array for W before its first backward). Needs DJL's PyTorch engine
         * ({@link UnsupportedOperationException} otherwise).
         */
        DIRECT
    }

    private static final byte VERSION = 1;

    private final MarginSoftmax loss;
    private final Backend backend;
    private final int classes;
    private final WeightGradient weightGradient;
    private final Parameter weight;
    private final StepBuffers buffers = new StepBuffers();
    private LossState state = LossState.empty();
    private double lastLoss = Double.NaN;
    // DIRECT: per device, the probe whose gradient is what the backward passed to the head's output since the last
    // recorded forward (1 for one backward of weight 1)
    private final Map<Device, Probe> probes = new HashMap<>();

    /**
     * A head in {@link WeightGradient#AUTOGRAD} mode.
     *
     * @param loss the margin softmax to train with. Not modified.
     * @param backend the margin-kernels backend that runs the fused step; the caller closes it
     * @param classes number of classes, &gt; 0
     * @throws IllegalArgumentException if classes is not positive or an argument is null
     */
    public MarginHead(MarginSoftmax loss, Backend backend, int classes) {
        this(loss, backend, classes, WeightGradient.AUTOGRAD);
    }

    /**
     * @param loss the margin softmax to train with. Not modified.
     * @param backend the margin-kernels backend that runs the fused step; the caller closes it
     * @param classes number of classes, &gt; 0
     * @param weightGradient how dL/dW reaches W's gradient
     * @throws IllegalArgumentException if classes is not positive or an argument is null
     */
    public MarginHead(MarginSoftmax loss, Backend backend, int classes, WeightGradient weightGradient) {
        super(VERSION);
        if (weightGradient == null) {
            throw new IllegalArgumentException("weightGradient must not be null");
        }
        this.weightGradient = weightGradient;
        if (loss == null) {
            throw new IllegalArgumentException("loss must not be null");
        }
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be > 0, got " + classes);
        }
        this.loss = loss;
        this.backend = backend;
        this.classes = classes;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
    }

    /** The class weights, rows of dim floats (classes x K rows for K sub-centers). */
    public Parameter weight() {
        return weight;
    }

    /** The loss of the last training forward (NaN before the first), in double as the backend computed it. */
    public double lastLoss() {
        return lastLoss;
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        weight.setShape(new Shape((long) classes * loss.subCenters(), embeddingDim(inputShapes[0])));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), classes)};
    }

    /** The training path: the loss as a scalar whose gradients are the fused step's. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
            PairList<String, Object> params) {
        if (labels == null || labels.isEmpty()) {
            return forwardInternal(parameterStore, data, true, params);
        }
        NDArray features = data.singletonOrThrow();
        NDArray weights = parameterStore.getValue(weight, features.getDevice(), true);
        int dim = Math.toIntExact(embeddingDim(features.getShape()));
        int[] y = NDArrays.labels(labels.head());
        synchronized (buffers) {
            NDManager manager = features.getManager();
            boolean direct = weightGradient == WeightGradient.DIRECT;
            // gradients only for a forward that autograd records, and W's only when W trains (not frozen)
            boolean recorded = recording(weights, direct);
            boolean weightGrads = recorded && weights.hasGradient();
            // DIRECT: the probe is checked before anything is written
            Probe probe = direct && recorded ? checkedProbe(manager, features.getDevice()) : null;
            buffers.fit(Math.toIntExact(features.size()), weights.size());
            NDArrays.readFloats("features", features, buffers.features);
            // W is read in place and dL/dW written in place: the backends take off-heap weights
            MemorySegment w = NDArrays.segment("weights", weights);
            StepResult step = backend.step(loss, state, buffers.features, w, 0, classes, y, dim,
                    recorded ? buffers.featureGrad : null, weightGrads ? buffers.weightGradSegment(manager) : null, 0);
            state = step.state();
            lastLoss = step.result().loss();
            if (!recorded) {
                return new NDList(manager.create((float) lastLoss));
            }
            List<NDArray> inputs = new ArrayList<>(List.of(features));
            List<NDArray> grads = new ArrayList<>(List.of(manager.create(buffers.featureGrad, features.getShape())));
            if (weightGrads) {
                NDArray weightGrad = buffers.weightGradArray(manager, weights.getShape());
                // DIRECT adds dL/dW into W's gradient array; libtorch has none before W's first backward (null
                // here), so autograd makes it, this once
                NDArray gradient = direct ? JniUtils.getGradient((PtNDArray) weights) : null;
                if (gradient != null) {
                    // the dL/dW array is released at once, so StepBuffers reuses its storage next step
                    try (gradient; weightGrad) {
                        gradient.addi(weightGrad);
                    }
                    probe.pending = true;
                } else {
                    inputs.add(weights);
                    grads.add(weightGrad);
                }
            }
            if (probe != null) {
                // d out / d p = 1: the probe's gradient is then what the backward passed to the head's output
                inputs.add(probe.array);
                grads.add(manager.ones(new Shape(1)));
            }
            return new NDList(GradientSurrogate.of(lastLoss, inputs.toArray(NDArray[]::new),
                    grads.toArray(NDArray[]::new)));
        }
    }

    /**
     * Whether autograd records this forward: libtorch's grad mode, which DJL's PyTorch GradientCollector turns on
     * for its thread (DJL's {@code hasGradient} of an op's result is not that: it stays false). Arrays of another
     * engine count as recorded.
     *
     * @throws UnsupportedOperationException in DIRECT mode if W is not an array of DJL's PyTorch engine
     */
    private static boolean recording(NDArray weights, boolean direct) {
        if (weights instanceof PtNDArray) {
            return JniUtils.isGradMode();
        }
        if (direct) {
            throw new UnsupportedOperationException("MarginHead's DIRECT mode needs DJL's PyTorch engine, got an "
                    + "array of " + weights.getManager().getEngine().getEngineName());
        }
        return true;
    }

    /**
     * DIRECT mode: this device's probe, after checking what the backward passed to it since the last recorded forward
     * (exactly 1 when that forward added dL/dW: one backward of weight 1) and resetting it.
     *
     * @throws IllegalStateException if the last recorded forward added dL/dW and was back-propagated with another
     *     weight, more than once or not at all
     */
    private Probe checkedProbe(NDManager manager, Device device) {
        Probe probe = probes.get(device);
        if (probe == null) {
            probe = new Probe(manager);
            probes.put(device, probe);
            return probe;
        }
        float passed = 0f;
        // libtorch's gradient is undefined (null here) before the probe's first backward
        try (NDArray gradient = JniUtils.getGradient((PtNDArray) probe.array)) {
            if (gradient != null) {
                passed = gradient.getFloat();
                gradient.subi(gradient);
            }
        }
        boolean pending = probe.pending;
        probe.pending = false;
        if (pending && passed != 1f) {
            throw new IllegalStateException("MarginHead in DIRECT mode added dL/dW into W's gradient during the "
                    + "last training forward for one backward of its loss with weight 1, but the backward passed "
                    + passed + " (0: not back-propagated; 2: twice; otherwise a scaled loss), so W's gradient of "
                    + "that step was wrong; use WeightGradient.AUTOGRAD for such a loop");
        }
        return probe;
    }

    /**
     * A one-element array that requires a gradient, one of the surrogate's inputs with gradient 1, so its backward
     * adds the output's upstream gradient to p's. Unmanaged, so that a collector's zeroGradients does not reset it;
     * one element per device for the head's life.
     */
    private static final class Probe {

        final NDArray array;
        // whether the last recorded forward added dL/dW into W's gradient (then exactly 1 must reach the probe)
        boolean pending;

        Probe(NDManager manager) {
            array = manager.create(new float[] {0f});
            array.setRequiresGradient(true);
            array.detach();
        }
    }

    /** The inference path: cosine logits c_ij = x^_i . w^_j (the best sub-center's for K &gt; 1). */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray features = inputs.singletonOrThrow();
        NDArray weights = parameterStore.getValue(weight, features.getDevice(), training);
        NDManager manager = features.getManager();
        // c_ij = (x^_i . w_j) / |w_j|: W's norms divide the batch x classes product, so no normalized copy of W
        // (classes x dim) is made per call
        NDArray classNorms = owned(weights.norm(new int[] {1}, true), manager).transpose();
        NDArray weightsT = owned(weights.transpose(), manager);
        NDArray unitFeatures = features.div(features.norm(new int[] {1}, true));
        NDArray cosines = unitFeatures.matMul(weightsT).div(classNorms);
        if (loss.subCenters() > 1) {
            cosines = cosines.reshape(features.getShape().get(0), classes, loss.subCenters()).max(new int[] {2});
        }
        return new NDList(cosines);
    }

    /**
     * {@code array}, attached to {@code owner}: ops attach results to the manager of the array they are called on,
     * and W's is the parameter's, where a result would live as long as the model.
     */
    private static NDArray owned(NDArray array, NDManager owner) {
        array.attach(owner);
        return array;
    }

    private static long embeddingDim(Shape features) {
        if (features.dimension() != 2) {
            throw new IllegalArgumentException("features must be batch x dim, got shape " + features);
        }
        return features.get(1);
    }

    @Override
    public String toString() {
        return "MarginHead[" + loss + ", classes=" + classes + ", backend=" + backend.name() + ", weightGradient="
                + weightGradient + "]";
    }
}
