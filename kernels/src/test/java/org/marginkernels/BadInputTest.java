package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every rejected input: an IllegalArgumentException whose message names the argument, and caller buffers left exactly
 * as they were (gradients are pre-filled with a sentinel that must survive).
 */
class BadInputTest {

    private static final float SENTINEL = 12345f;
    private final Backend backend = Backends.named("reference");
    private final MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
    private final float[] x = {1, 2, 3, 4, 5, 6};
    private final float[] w = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
    private final int[] y = {0, 3};
    private final float[] gx = filled(6);
    private final float[] gw = filled(12);

    @AfterEach
    void close() {
        backend.close();
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }

    private void rejects(String argument, Executable call) {
        float[] xBefore = x.clone();
        float[] wBefore = w.clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), () -> "message must name " + argument + ": " + e.getMessage());
        assertArrayEquals(filled(6), gx, "featureGrad must be untouched");
        assertArrayEquals(filled(12), gw, "weightGrad must be untouched");
        assertArrayEquals(xBefore, x);
        assertArrayEquals(wBefore, w);
    }

    private void call(float[] features, float[] weights, int[] labels, int dim) {
        backend.forwardBackward(loss, features, weights, labels, dim, gx, gw);
    }

    @Test
    void nonPositiveDim() {
        rejects("dim", () -> call(x, w, y, 0));
        rejects("dim", () -> call(x, w, y, -3));
    }

    @Test
    void featuresNotAMultipleOfDim() {
        rejects("features", () -> call(Arrays.copyOf(x, 5), w, y, 3));
    }

    @Test
    void weightsNotAMultipleOfDim() {
        rejects("weights", () -> call(x, Arrays.copyOf(w, 11), y, 3));
    }

    @Test
    void labelsDisagreeWithFeatureRows() {
        rejects("labels", () -> call(x, w, new int[] {0}, 3));
    }

    @Test
    void labelOutOfRange() {
        rejects("labels[1]", () -> call(x, w, new int[] {0, 4}, 3));
        rejects("labels[0]", () -> call(x, w, new int[] {-2, 1}, 3));
    }

    @Test
    void nonFiniteFeatures() {
        x[4] = Float.NaN;
        rejects("features", () -> call(x, w, y, 3));
        x[4] = Float.POSITIVE_INFINITY;
        rejects("features", () -> call(x, w, y, 3));
    }

    @Test
    void nonFiniteWeights() {
        w[7] = Float.NEGATIVE_INFINITY;
        rejects("weights", () -> call(x, w, y, 3));
    }

    @Test
    void zeroNormFeatureRow() {
        float[] zero = {1, 2, 3, 0, 0, 0};
        rejects("features row 1", () -> call(zero, w, y, 3));
    }

    @Test
    void zeroNormWeightRow() {
        float[] zero = w.clone();
        Arrays.fill(zero, 3, 6, 0f);
        rejects("weights row 1", () -> call(x, zero, y, 3));
    }

    @Test
    void nullArrays() {
        rejects("features", () -> call(null, w, y, 3));
        rejects("weights", () -> call(x, null, y, 3));
        rejects("labels", () -> call(x, w, null, 3));
        rejects("loss", () -> backend.forwardBackward(null, x, w, y, 3, gx, gw));
    }

    @Test
    void gradientOfTheWrongShape() {
        rejects("featureGrad", () -> backend.forwardBackward(loss, x, w, y, 3, new float[5], gw));
        rejects("weightGrad", () -> backend.forwardBackward(loss, x, w, y, 3, gx, new float[13]));
    }

    @Test
    void gradientAliasingAnInput() {
        rejects("featureGrad", () -> backend.forwardBackward(loss, x, w, y, 3, x, gw));
    }

    @Test
    void marginParametersOutOfRange() {
        assertNames("m", () -> Margins.arcFace(-0.1));
        assertNames("m", () -> Margins.arcFace(2));
        assertNames("m", () -> Margins.arcFace(Double.NaN));
        assertNames("m", () -> Margins.cosFace(1.5));
        assertNames("m1", () -> Margins.combined(0, 0.1, 0.1));
        assertNames("m1", () -> Margins.combined(4.5, 0.1, 0.1));
        assertNames("m2", () -> Margins.combined(1, -0.1, 0.1));
        assertNames("m3", () -> Margins.combined(1, 0.1, 2));
        assertNames("m", () -> Margins.sphereFace(0));
        assertNames("lambda", () -> Margins.sphereFace(4, -1));
        assertNames("t", () -> NegativeTransform.svSoftmax(0.5));
        assertNames("t", () -> NegativeTransform.mvSoftmax(-1));
        assertNames("gamma", () -> MarginSoftmax.builder().focal(-1));
        assertNames("scale", () -> MarginSoftmax.builder().scale(0));
        assertNames("scale", () -> MarginSoftmax.builder().scale(Double.POSITIVE_INFINITY));
        assertNames("ignoreLabel", () -> MarginSoftmax.builder().ignoreLabel(3));
    }

    @Test
    void adaCosNeedsThreeClasses() {
        MarginSoftmax adaCos = MarginSoftmax.builder().scale(ScalePolicy.adaCosFixed()).build();
        float[] twoClasses = Arrays.copyOf(w, 6);
        rejects("classes", () -> backend.forwardBackward(adaCos, x, twoClasses, new int[] {0, 1}, 3, gx, gw));
    }

    @Test
    void layerMethodsCheckToo() {
        float[] out = filled(6);
        assertNames("output", () -> backend.l2Normalize(x, 3, new float[5], null));
        assertNames("norms", () -> backend.l2Normalize(x, 3, out, new float[3]));
        assertNames("cosines", () -> backend.cosineLogits(x, w, 3, new float[7]));
        assertNames("margined", () -> backend.marginForward(loss, new float[8], y, new float[7]));
        assertNames("scale", () -> backend.scaledSoftmaxCrossEntropy(loss, -1, new float[8], y, null));
        assertNames("k", () -> backend.topK(x, w, 3, 5, new int[10], new float[10]));
        assertNames("a and b", () -> backend.cosineSimilarity(new float[] {1, 2}, new float[] {1}));
        assertNames("norms[0]", () -> backend.l2NormalizeBackward(x, new float[] {0, 1}, x.clone(), 3,
                new float[6]));
        assertArrayEquals(filled(6), out);
    }

    @Test
    void unknownBackendListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.named("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("reference"), e.getMessage());
        assertEquals(IllegalArgumentException.class,
                assertThrows(IllegalArgumentException.class, () -> Backends.named(null)).getClass());
    }

    private static void assertNames(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), () -> "message must name " + argument + ": " + e.getMessage());
    }
}
