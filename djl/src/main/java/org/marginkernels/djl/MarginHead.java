package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.lang.foreign.MemorySegment;
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
 * backward gives the embeddings and W exactly the fused gradients. Pair it with {@link MarginHeadLoss}, which passes
 * that scalar to the trainer. A loss with state (CurricularFace's t, dynamic AdaCos) keeps it here between steps.
 *
 * <p>Called without labels (inference, or a trainer's evaluate), it returns the cosine logits (batch x classes)
 * computed with DJL ops, for accuracy or retrieval.
 */
public final class MarginHead extends AbstractBlock {

    private static final byte VERSION = 1;

    private final MarginSoftmax loss;
    private final Backend backend;
    private final int classes;
    private final Parameter weight;
    private final StepBuffers buffers = new StepBuffers();
    private LossState state = LossState.empty();
    private double lastLoss = Double.NaN;

    /**
     * @param loss the margin softmax to train with. Not modified.
     * @param backend the margin-kernels backend that runs the fused step; the caller closes it
     * @param classes number of classes, &gt; 0
     * @throws IllegalArgumentException if classes is not positive or an argument is null
     */
    public MarginHead(MarginSoftmax loss, Backend backend, int classes) {
        super(VERSION);
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
            buffers.fit(Math.toIntExact(features.size()), weights.size());
            NDArrays.readFloats("features", features, buffers.features);
            // W is read in place and dL/dW written in place: the backends take off-heap weights
            MemorySegment w = NDArrays.segment("weights", weights, weights.size());
            NDManager manager = features.getManager();
            StepResult step = backend.step(loss, state, buffers.features, w, 0, classes, y, dim,
                    buffers.featureGrad, buffers.weightGradSegment(manager), 0);
            state = step.state();
            lastLoss = step.result().loss();
            NDArray[] grads = {manager.create(buffers.featureGrad, features.getShape()),
                buffers.weightGradArray(manager, weights.getShape())};
            return new NDList(GradientSurrogate.of(lastLoss, new NDArray[] {features, weights}, grads));
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
        return "MarginHead[" + loss + ", classes=" + classes + ", backend=" + backend.name() + "]";
    }
}
