package org.marginkernels.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * The head's gradients against DJL's own autograd ArcFace ({@link AutogradArcFace}) on a small problem, float32 on
 * both sides. Tolerance: 2e-5 times the largest gradient element plus 1e-7 per element; float32 rounding of the
 * two paths (fused tiles versus libtorch's matmul and softmax) differs by a few ulps of the largest terms.
 */
class MarginHeadGradientTest {

    static final int BATCH = 7;
    static final int DIM = 12;
    static final int CLASSES = 23;
    private static final double MARGIN = 0.5;
    private static final double SCALE = 30;

    private static Backend backend;
    private static NDManager manager;

    @BeforeAll
    static void open() {
        backend = Backends.named("cpu");
        manager = Engine.getEngine("PyTorch").newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        backend.close();
    }

    @Test
    void featureAndWeightGradientsMatchAutograd() {
        SplittableRandom random = new SplittableRandom(15);
        float[] x = gaussian(random, BATCH * DIM);
        float[] w = gaussian(random, CLASSES * DIM);
        int[] y = labels(random);

        Gradients ours = headGradients(x, w, y, 1f);
        Gradients theirs = autogradGradients(x, w, y);

        assertEquals(theirs.loss, ours.loss, 1e-5 * Math.abs(theirs.loss), "loss");
        assertClose("dL/dfeatures", theirs.features, ours.features);
        assertClose("dL/dweights", theirs.weights, ours.weights);
    }

    @Test
    void upstreamGradientScalesThrough() {
        SplittableRandom random = new SplittableRandom(16);
        float[] x = gaussian(random, BATCH * DIM);
        float[] w = gaussian(random, CLASSES * DIM);
        int[] y = labels(random);

        Gradients once = headGradients(x, w, y, 1f);
        Gradients thrice = headGradients(x, w, y, 3f);

        assertClose("3 dL/dfeatures", scaled(once.features, 3), thrice.features);
        assertClose("3 dL/dweights", scaled(once.weights, 3), thrice.weights);
    }

    /** Embeddings made by a layer before the head (x = z A): the gradient reaches A as autograd's does. */
    @Test
    void gradientFlowsIntoTheLayerBelow() {
        SplittableRandom random = new SplittableRandom(17);
        int inputs = 9;
        float[] z = gaussian(random, BATCH * inputs);
        float[] a = gaussian(random, inputs * DIM);
        float[] w = gaussian(random, CLASSES * DIM);
        int[] y = labels(random);

        float[] ours;
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            NDArray layer = scope.create(a, new Shape(inputs, DIM));
            layer.setRequiresGradient(true);
            MarginHead head = initializedHead(scope, w);
            NDArray features = scope.create(z, new Shape(BATCH, inputs)).matMul(layer);
            NDArray out = head.forward(new ParameterStore(scope, false), new NDList(features),
                    new NDList(scope.create(y)), null).singletonOrThrow();
            collector.backward(out);
            ours = layer.getGradient().toFloatArray();
        }
        float[] theirs;
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            NDArray layer = scope.create(a, new Shape(inputs, DIM));
            layer.setRequiresGradient(true);
            NDArray features = scope.create(z, new Shape(BATCH, inputs)).matMul(layer);
            collector.backward(new AutogradArcFace(MARGIN, SCALE).loss(features,
                    scope.create(w, new Shape(CLASSES, DIM)), scope.create(y)));
            theirs = layer.getGradient().toFloatArray();
        }
        assertClose("dL/dA", theirs, ours);
    }

    /** Without labels the head returns the cosine logits; checked against double-precision cosines, 1e-5. */
    @Test
    void withoutLabelsTheHeadReturnsCosines() {
        SplittableRandom random = new SplittableRandom(18);
        float[] x = gaussian(random, BATCH * DIM);
        float[] w = gaussian(random, CLASSES * DIM);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = initializedHead(scope, w);
            NDArray cosines = head.forward(new ParameterStore(scope, false),
                    new NDList(scope.create(x, new Shape(BATCH, DIM))), false).singletonOrThrow();
            assertEquals(new Shape(BATCH, CLASSES), cosines.getShape());
            float[] actual = cosines.toFloatArray();
            float[] expected = new float[BATCH * CLASSES];
            try (Backend reference = Backends.named("reference")) {
                reference.cosineLogits(x, w, DIM, expected);
            }
            for (int e = 0; e < expected.length; e++) {
                assertEquals(expected[e], actual[e], 1e-5, "cos[" + e / CLASSES + "][" + e % CLASSES + "]");
            }
        }
    }

    private record Gradients(double loss, float[] features, float[] weights) {
    }

    private static Gradients headGradients(float[] x, float[] w, int[] y, float upstream) {
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            MarginHead head = initializedHead(scope, w);
            NDArray features = scope.create(x, new Shape(BATCH, DIM));
            features.setRequiresGradient(true);
            NDArray out = head.forward(new ParameterStore(scope, false), new NDList(features),
                    new NDList(scope.create(y)), null).singletonOrThrow();
            float loss = out.getFloat();
            collector.backward(out.mul(upstream));
            return new Gradients(loss, features.getGradient().toFloatArray(),
                    head.weight().getArray().getGradient().toFloatArray());
        }
    }

    private static Gradients autogradGradients(float[] x, float[] w, int[] y) {
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            NDArray features = scope.create(x, new Shape(BATCH, DIM));
            NDArray weights = scope.create(w, new Shape(CLASSES, DIM));
            features.setRequiresGradient(true);
            weights.setRequiresGradient(true);
            NDArray loss = new AutogradArcFace(MARGIN, SCALE).loss(features, weights, scope.create(y));
            float value = loss.getFloat();
            collector.backward(loss);
            return new Gradients(value, features.getGradient().toFloatArray(),
                    weights.getGradient().toFloatArray());
        }
    }

    static MarginHead initializedHead(NDManager scope, float[] w) {
        return initializedHead(backend, scope, w, MarginHead.WeightGradient.AUTOGRAD);
    }

    /** An ArcFace head (m = 0.5, s = 30) over BATCH x DIM features and a copy of W (CLASSES x DIM) in this mode. */
    static MarginHead initializedHead(Backend backend, NDManager scope, float[] w, MarginHead.WeightGradient mode) {
        MarginHead head = new MarginHead(
                MarginSoftmax.builder().margin(Margins.arcFace(MARGIN)).scale(SCALE).build(), backend, CLASSES, mode);
        head.initialize(scope, DataType.FLOAT32, new Shape(BATCH, DIM));
        head.weight().getArray().set(w);
        return head;
    }

    static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static GradientCollector newCollector() {
        return manager.getEngine().newGradientCollector();
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        double largest = maxAbs(expected);
        assertTrue(largest > 0, what + " is all zeros: the comparison would prove nothing");
        double tolerance = 2e-5 * largest + 1e-7;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + "[" + i + "]");
        }
    }

    private static float[] scaled(float[] values, float factor) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return out;
    }

    static float[] gaussian(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextDouble(-1, 1) + random.nextDouble(-1, 1));
        }
        return out;
    }

    static int[] labels(SplittableRandom random) {
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = random.nextInt(CLASSES);
        }
        return y;
    }
}
