package org.marginkernels.crossbackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.time.Duration;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.marginkernels.Backend;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.testing.Tolerance;

/**
 * The reproductions of the reliability issue (#17), each a permanent example on every backend: large finite values,
 * aliasing, ties at the hard-negative test, cosines of exactly +-1, huge scales, sizes that overflow int, and the
 * norm threshold. Each either agrees with the double-precision reference or is an IllegalArgumentException that both
 * throw, with the caller's buffers untouched.
 */
abstract class ReliabilityContract {

    private static final MarginSoftmax ARC_FACE = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64)
            .build();

    Backend backend;
    Backend reference;

    @BeforeProperty
    void open() {
        BackendUnderTest under = getClass().getAnnotation(BackendUnderTest.class);
        backend = SharedBackends.get(under.value(), BackendAgreementContract.options(under)).backend();
        reference = SharedBackends.get("reference", org.marginkernels.BackendOptions.defaults()).backend();
    }

    /** Item 1: a weights row of 1e20s (norm 1.4e20, within 2^126) gives finite gradients equal to the reference's. */
    @Example
    void hugeWeightRowGivesTheReferenceGradients() {
        float[] x = {1, 0, 0, 1};
        float[] w = {1, 0, 0, 1, 1e20f, 1e20f};
        agreesOnStep(ARC_FACE, x, w, new int[] {0, 1}, 2);
    }

    /** Item 1: a feature row of 1e20s on the opencl backend gave 15.688 instead of 22.991. */
    @Example
    void hugeFeatureRowGivesTheReferenceLoss() {
        float[] x = {1e20f, 1e20f, 0.3f, -2f};
        float[] w = {1, 0, 0, 1, -1, 0.5f};
        agreesOnStep(ARC_FACE, x, w, new int[] {1, 2}, 2);
        float[] y1 = new float[4];
        float[] y2 = new float[4];
        float[] n1 = new float[2];
        float[] n2 = new float[2];
        reference.l2Normalize(x, 2, y1, n1);
        backend.l2Normalize(x, 2, y2, n2);
        Tolerance.assertClose("l2Normalize", y1, y2, 1e-6, 1e-6);
        Tolerance.assertClose("norms", n1, n2, 0, 1e-6);
        float[] c1 = new float[6];
        float[] c2 = new float[6];
        reference.cosineLogits(x, w, 2, c1);
        backend.cosineLogits(x, w, 2, c2);
        Tolerance.assertClose("cosineLogits", c1, c2, 1e-6, 0);
    }

    /** Item 1: elements as large as a row norm of 2^126 allows, and rows mixing huge and tiny elements. */
    @Example
    void elementsUpToTheNormBound() {
        float big = (float) (0x1p126 / 2.01);
        float[] x = {big, big, -big, big, 1e-30f, 3e36f, 1f, -1e-20f};
        float[] w = {big, -big, 1e36f, 1e36f, 2e-16f, 0, 1, 1, 0.5f, -big, 1e-3f, 1e-3f};
        agreesOnStep(ARC_FACE, x, w, new int[] {0, 1}, 4);
        float[] p1 = new float[2];
        float[] p2 = new float[2];
        reference.pairCosines(x, Arrays.copyOf(w, 8), 4, p1);
        backend.pairCosines(x, Arrays.copyOf(w, 8), 4, p2);
        Tolerance.assertClose("pairCosines", p1, p2, 1e-6, 0);
    }

    /** Item 1: cosineSimilarity of two vectors of 1e20s is 1, not Infinity; topK ranks a huge row by its cosine. */
    @Example
    void hugeVectorsCompareByCosine() {
        float[] a = new float[64];
        Arrays.fill(a, 1e20f);
        assertEquals(1f, backend.cosineSimilarity(a, a.clone()), 1e-6f);
        float[] gallery = {1, 0, 1e20f, 1e20f, 0, 1};
        float[] query = {1e20f, 0.9e20f};
        int[] index = new int[3];
        float[] scores = new float[3];
        backend.topK(query, gallery, 2, 3, index, scores);
        assertArrayEquals(new int[] {1, 0, 2}, index);
        float[] expected = new float[3];
        reference.topK(query, gallery, 2, 3, new int[3], expected);
        Tolerance.assertClose("topK scores", expected, scores, 1e-6, 0);
    }

    /**
     * Item 3: a non-target cosine equal to the float rounding of the margined target takes the same branch on every
     * backend: sphereFace(2, 1e6) makes f_y round to 1 = c_j, an easy negative, so the loss is log 2.
     */
    @Example
    void tieAtTheSvTestIsEasyOnEveryBackend() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.sphereFace(2, 1e6))
                .negative(NegativeTransform.svSoftmax(10)).scale(64).build();
        LossResult r = agreesOnStep(loss, new float[] {1}, new float[] {1, 1}, new int[] {0}, 1);
        assertEquals(Math.log(2), r.loss(), 1e-3);
    }

    /** Item 3: two identical weight rows tie exactly at the MV test (arcFace(0) gives f_y = c_y = c_j). */
    @Example
    void identicalWeightRowsTieAtTheMvTest() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0))
                .negative(NegativeTransform.mvSoftmax(10)).scale(30).build();
        float[] w = {0.3f, -1.2f, 0.7f, 2f, 0.3f, -1.2f, 0.7f, 2f, -0.3f, 1.2f, -0.7f, -2f};
        float[] x = {1.1f, -0.2f, 0.4f, 0.9f, 0.5f, -0.5f, 0.2f, 1.0f};
        LossResult r = agreesOnStep(loss, x, w, new int[] {0, 1}, 4);
        // each row: its target, an identical easy class and an opposite one: log(1 + 1 + e^(-2 s c_y)) = log 2
        assertEquals(Math.log(2), r.loss(), 1e-3, "identical rows are easy negatives of each other");
    }

    /** Item 4: a cosine of exactly 1 (clamped to 1 - 1e-7) on arcFaceEasy. */
    @Example
    void cosineOfExactlyOneIsClampedAlike() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFaceEasy(0.5)).scale(64).build();
        LossResult e = reference.forward(loss, new float[] {1}, new float[] {1, 1}, new int[] {0}, 1);
        LossResult a = backend.forward(loss, new float[] {1}, new float[] {1, 1}, new int[] {0}, 1);
        // both clamp c = 1 the same way; what remains is f at 1 - 1e-7 vs 1 - 2^-23 times s (BackendAgreementContract)
        assertEquals(e.loss(), a.loss(), 64 * BackendAgreementContract.clampSlack(loss) + 1e-5);
        agreesOnStep(loss, new float[] {1, -1}, new float[] {1, 1, -1}, new int[] {0, 2}, 1);
    }

    /** Item 5: the largest accepted scale gives finite, agreeing results; a larger one is rejected by every backend. */
    @Example
    void largestScaleIsFiniteAndLargerIsRejected() {
        MarginSoftmax loss = ARC_FACE.toBuilder().scale(org.marginkernels.ScalePolicy.MAX_SCALE).build();
        float[] x = {1, 0.2f, -0.3f, 1, 0.5f, 0.5f};
        float[] w = {1, 0, 0, 1, -1, 0.3f, 0.2f, 0.2f};
        agreesOnStep(loss, x, w, new int[] {0, 3, 1}, 2);
        assertThrows(IllegalArgumentException.class, () -> ARC_FACE.toBuilder().scale(1e10));
        float[] margined = {3e38f, 0.5f, -1f};
        float[] grad = {7, 7, 7};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.scaledSoftmaxCrossEntropy(ARC_FACE, 64, margined, new int[] {1}, grad));
        assertTrue(e.getMessage().contains("margined"), e.getMessage());
        assertArrayEquals(new float[] {7, 7, 7}, grad);
        float[] wide = {1e28f, 0.5f, -1e27f, 1e28f};
        float[] g1 = new float[4];
        float[] g2 = new float[4];
        LossResult r1 = reference.scaledSoftmaxCrossEntropy(ARC_FACE, 64, wide, new int[] {1}, g1);
        LossResult r2 = backend.scaledSoftmaxCrossEntropy(ARC_FACE, 64, wide, new int[] {1}, g2);
        assertEquals(r1.loss(), r2.loss(), 1e-5 * r1.loss());
        Tolerance.assertClose("softmax gradient of huge logits", g1, g2, 1e-5 * Tolerance.maxAbs(g1), 1e-4);
        // two tied logits of 6.4e29 share the mass: s p = 32 each (lse = max + log 2 would round to max, giving 64)
        assertEquals(32f, g2[0], 1e-3f);
        assertEquals(32f, g2[3], 1e-3f);
    }

    /** Item 6: sizes whose products wrap an int are IllegalArgumentExceptions at once, and nothing is written. */
    @Example
    void sizesBeyondAnArrayAreRejectedAtOnce() {
        // a hang (the cpu workers once died of OutOfMemoryError here and the caller waited forever) fails the test
        assertTimeoutPreemptively(Duration.ofSeconds(30), this::rejectsSizesBeyondAnArray);
    }

    private void rejectsSizesBeyondAnArray() {
        int[] indices = new int[16];
        float[] scores = new float[16];
        Arrays.fill(indices, -7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.topK(new float[65536], new float[65537], 1, 65537, indices, scores));
        assertTrue(e.getMessage().contains("queries x k"), e.getMessage());
        int[] untouched = new int[16];
        Arrays.fill(untouched, -7);
        assertArrayEquals(untouched, indices);
        float[] rows = new float[50_000];
        Arrays.fill(rows, 1f);
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> backend.cosineLogits(rows, rows, 1, new float[1]));
        assertTrue(c.getMessage().contains("batch x classes"), c.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> backend.cosineLogitsBackward(rows, rows, 1, new float[1], null, null));
    }

    /** Item 2: an output that is one of the inputs (weightGrad = features with B = C) is rejected. */
    @Example
    void outputsAliasingInputsAreRejected() {
        float[] x = {1, 2, 3, 4};
        float[] w = {1, 0, 0, 1};
        float[] gx = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.forwardBackward(ARC_FACE, x, w, new int[] {0, 1}, 2, gx, x));
        assertTrue(e.getMessage().contains("weightGrad"), e.getMessage());
        assertArrayEquals(new float[] {1, 2, 3, 4}, x);
        assertArrayEquals(new float[4], gx);
        assertThrows(IllegalArgumentException.class,
                () -> backend.forwardBackward(ARC_FACE, x, w, new int[] {0, 1}, 2, w, null));
        assertThrows(IllegalArgumentException.class, () -> backend.topK(x, w, 2, 1, new int[2], w));
        assertThrows(IllegalArgumentException.class, () -> backend.cosineLogits(x, w, 2, x));
        assertThrows(IllegalArgumentException.class, () -> backend.pairCosines(x, w, 2, w));
    }

    /** Item 7: a row whose norm is just below 1e-15 is rejected by every backend, one just above accepted. */
    @Example
    void normThresholdIsTheSameEverywhere() {
        float above = (float) 1e-15;
        while ((double) above < 1e-15) {
            above = Math.nextUp(above);
        }
        float below = Math.nextDown(above);
        float[] x = {1, 0, 0, 1};
        float[] w = {1, 0, below, 0, 0, 1};
        float[] gw = new float[6];
        Arrays.fill(gw, 5f);
        assertThrows(IllegalArgumentException.class,
                () -> reference.forwardBackward(ARC_FACE, x, w, new int[] {0, 2}, 2, null, gw.clone()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> backend.forwardBackward(ARC_FACE, x, w, new int[] {0, 2}, 2, null, gw));
        assertTrue(e.getMessage().contains("weights row 1"), e.getMessage());
        float[] five = new float[6];
        Arrays.fill(five, 5f);
        assertArrayEquals(five, gw);
        float[] ok = {1, 0, above, 0, 0, 1};
        agreesOnStep(ARC_FACE, x, ok, new int[] {0, 2}, 2);
    }

    /** A closed backend says so, on every method, instead of failing in its threads or native memory. */
    @Example
    void closedBackendThrowsIllegalState() {
        BackendUnderTest under = getClass().getAnnotation(BackendUnderTest.class);
        Backend b = org.marginkernels.Backends.named(under.value(), BackendAgreementContract.options(under));
        b.close();
        b.close();
        assertThrows(IllegalStateException.class, () -> b.cosineSimilarity(new float[] {1}, new float[] {1}));
        assertThrows(IllegalStateException.class,
                () -> b.forward(ARC_FACE, new float[] {1, 0}, new float[] {1, 0, 0, 1}, new int[] {0}, 2));
    }

    /**
     * The fuzz test: random calls of every public method with mutated arguments; each is a clean
     * IllegalArgumentException on both sides with buffers untouched, or finite and agreeing with the reference.
     * CI runs 400 cases per backend; a release run takes 50 times as many (documented in tests/README.md):
     * {@code mvn -B -o -pl tests test -Dtest='*ReliabilityProperties' -Dsurefire.extraArgs=-Dmarginkernels.fuzz.casesPerTry=50}
     */
    @Property(tries = 400, seed = "17")
    void fuzzedCallsAreRejectedCleanlyOrAgree(@ForAll long seed) {
        int cases = Integer.getInteger("marginkernels.fuzz.casesPerTry", 1);
        for (int c = 0; c < cases; c++) {
            FuzzCase.draw(seed + c * 0x9E3779B97F4A7C15L).check(reference, backend);
        }
    }

    /**
     * Shared backend: threads calling one Backend at once get exactly what each call gives alone (bit-identical:
     * every backend is deterministic).
     */
    @Example
    void concurrentCallsOnOneBackendGiveTheSoloResults() throws Exception {
        BackendUnderTest under = getClass().getAnnotation(BackendUnderTest.class);
        try (Backend shared = org.marginkernels.Backends.named(under.value(), BackendAgreementContract.options(under))) {
            ConcurrentCalls.check(shared, 4, 6);
        }
    }

    /** forwardBackward on both backends: finite, and within the cross-backend tolerances. */
    private LossResult agreesOnStep(MarginSoftmax loss, float[] x, float[] w, int[] y, int dim) {
        float[] ex = new float[x.length];
        float[] ew = new float[w.length];
        float[] ax = new float[x.length];
        float[] aw = new float[w.length];
        LossResult e = reference.forwardBackward(loss, x, w, y, dim, ex, ew);
        LossResult a = backend.forwardBackward(loss, x, w, y, dim, ax, aw);
        assertTrue(Double.isFinite(a.loss()), "loss " + a.loss());
        for (float[] g : new float[][] {ax, aw}) {
            for (float v : g) {
                assertTrue(Float.isFinite(v), "gradient element " + v);
            }
        }
        double dz = 10 * e.scale() * 1e-6;
        assertEquals(e.loss(), a.loss(), dz + 1e-5 * Math.abs(e.loss()), "loss");
        double floorX = 0x1p-20 * e.scale() / BackendAgreementContract.minRowNorm(x, dim);
        double floorW = 0x1p-20 * e.scale() / BackendAgreementContract.minRowNorm(w, dim);
        Tolerance.assertClose("dL/dfeatures", ex, ax, dz * Tolerance.maxAbs(ex) + floorX, dz);
        Tolerance.assertClose("dL/dweights", ew, aw, dz * Tolerance.maxAbs(ew) + floorW, dz);
        return a;
    }
}
