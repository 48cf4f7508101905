package org.marginkernels.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.marginkernels.djl.MarginHeadGradientTest.BATCH;
import static org.marginkernels.djl.MarginHeadGradientTest.CLASSES;
import static org.marginkernels.djl.MarginHeadGradientTest.DIM;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/**
 * {@link MarginHead.WeightGradient#DIRECT}: the head adds dL/dW into W's gradient array itself. Its gradients against
 * the default mode's (the same fused step, so equal up to the float add into the gradient array: 1 ulp of the
 * larger term), accumulation over steps as autograd accumulates, and the probe that refuses a loop the mode does not
 * fit (a scaled loss, a forward without its backward) before it writes anything.
 */
class DirectWeightGradientTest {

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

    private record Problem(float[] x, float[] w, int[] y) {
        static Problem random(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int[] y = MarginHeadGradientTest.labels(random);
            return new Problem(MarginHeadGradientTest.gaussian(random, BATCH * DIM),
                    MarginHeadGradientTest.gaussian(random, CLASSES * DIM), y);
        }
    }

    /** A head in the given mode over a copy of W, in its own manager. */
    private static MarginHead head(NDManager scope, Problem p, MarginHead.WeightGradient mode) {
        return MarginHeadGradientTest.initializedHead(backend, scope, p.w(), mode);
    }

    /** A DIRECT head after its first step (through autograd, which makes W's gradient array). */
    private static MarginHead directAfterFirstStep(NDManager scope, Problem p) {
        MarginHead head = head(scope, p, MarginHead.WeightGradient.DIRECT);
        step(scope, head, p, 1f, true);
        return head;
    }

    /** One recorded training forward (features requiring gradients) and, with weight {@code upstream}, its backward. */
    private static float[] step(NDManager scope, MarginHead head, Problem p, float upstream, boolean backward) {
        try (NDManager batch = scope.newSubManager(); GradientCollector collector = newCollector()) {
            NDArray features = batch.create(p.x(), new Shape(BATCH, DIM));
            features.setRequiresGradient(true);
            NDArray out = forward(batch, head, features, p);
            if (backward) {
                collector.backward(out.mul(upstream));
            }
            return features.getGradient().toFloatArray();
        }
    }

    private static NDArray forward(NDManager batch, MarginHead head, NDArray features, Problem p) {
        return head.forward(new ParameterStore(batch, false), new NDList(features), new NDList(batch.create(p.y())),
                null).singletonOrThrow();
    }

    private static float[] weightGrad(MarginHead head) {
        try (NDArray gradient = head.weight().getArray().getGradient()) {
            return gradient.toFloatArray();
        }
    }

    private static void zeroWeightGrad(MarginHead head) {
        try (NDArray gradient = head.weight().getArray().getGradient()) {
            gradient.subi(gradient);
        }
    }

    @Test
    void directGradientsEqualAutograds() {
        Problem p = Problem.random(31);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead autograd = head(scope, p, MarginHead.WeightGradient.AUTOGRAD);
            MarginHead direct = head(scope, p, MarginHead.WeightGradient.DIRECT);
            // the first step makes W's gradient array (through autograd in both modes); the optimizer zeroes it,
            // and the second step is DIRECT's own
            step(scope, autograd, p, 1f, true);
            step(scope, direct, p, 1f, true);
            zeroWeightGrad(autograd);
            zeroWeightGrad(direct);
            float[] expectedX = step(scope, autograd, p, 1f, true);
            float[] actualX = step(scope, direct, p, 1f, true);
            assertArrayEquals(expectedX, actualX, "dL/dfeatures: the same surrogate in both modes");
            float[] expected = weightGrad(autograd);
            float[] actual = weightGrad(direct);
            assertTrue(MarginHeadGradientTest.maxAbs(expected) > 0, "a zero gradient would make the check vacuous");
            for (int e = 0; e < expected.length; e++) {
                assertEquals(expected[e], actual[e], Math.ulp(expected[e]), "dL/dW[" + e + "]");
            }
        }
    }

    @Test
    void directGradientsAccumulateOverSteps() {
        Problem p = Problem.random(32);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = directAfterFirstStep(scope, p);
            float[] once = weightGrad(head);
            step(scope, head, p, 1f, true);
            float[] twice = weightGrad(head);
            assertTrue(MarginHeadGradientTest.maxAbs(once) > 0, "a zero gradient would make the check vacuous");
            assertTwice(once, twice, "2 dL/dW[");
        }
    }

    @Test
    void aScaledLossIsRefusedAtTheNextForward() {
        Problem p = Problem.random(33);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = directAfterFirstStep(scope, p);
            float[] once = weightGrad(head);
            step(scope, head, p, 3f, true);
            float[] before = weightGrad(head);
            // the direct path added G once more whatever the scale (autograd would have added 3 G)
            assertTwice(once, before, "G + G at [");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> step(scope, head, p, 1f, true));
            assertTrue(e.getMessage().contains("passed 3.0"), e.getMessage());
            assertArrayEquals(before, weightGrad(head), "W's gradient is untouched by the refused forward");
            // the probe was reset: a loop that goes on correctly is accepted again
            step(scope, head, p, 1f, true);
            step(scope, head, p, 1f, true);
        }
    }

    @Test
    void aForwardWithoutItsBackwardIsRefusedAtTheNextForward() {
        Problem p = Problem.random(34);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = directAfterFirstStep(scope, p);
            step(scope, head, p, 1f, false);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> step(scope, head, p, 1f, true));
            assertTrue(e.getMessage().contains("passed 0.0"), e.getMessage());
        }
    }

    /** After W's first step, dL/dW is in W's gradient as soon as the forward returns, before any backward. */
    @Test
    void dLdWIsAddedDuringTheForward() {
        Problem p = Problem.random(36);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = directAfterFirstStep(scope, p);
            float[] once = weightGrad(head);
            assertTrue(MarginHeadGradientTest.maxAbs(once) > 0, "a zero gradient would make the check vacuous");
            try (NDManager batch = scope.newSubManager(); GradientCollector collector = newCollector()) {
                NDArray out = forward(batch, head, batch.create(p.x(), new Shape(BATCH, DIM)), p);
                assertTwice(once, weightGrad(head), "G + G after the forward at [");
                collector.backward(out);
            }
            float[] afterBackward = weightGrad(head);
            assertTwice(once, afterBackward, "no more from autograd [");
        }
    }

    /** A frozen W gets no gradient and no error; the embeddings' gradient is the default mode's. */
    @Test
    void aFrozenWeightGetsNoGradient() {
        Problem p = Problem.random(37);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead autograd = head(scope, p, MarginHead.WeightGradient.AUTOGRAD);
            MarginHead direct = head(scope, p, MarginHead.WeightGradient.DIRECT);
            autograd.freezeParameters(true);
            direct.freezeParameters(true);
            for (int k = 0; k < 2; k++) {
                float[] expected = step(scope, autograd, p, 1f, true);
                float[] actual = step(scope, direct, p, 1f, true);
                assertTrue(MarginHeadGradientTest.maxAbs(expected) > 0, "a zero gradient would make the check vacuous");
                assertArrayEquals(expected, actual, "dL/dfeatures, step " + k);
            }
            assertTrue(!direct.weight().getArray().hasGradient(), "W stays frozen");
            assertTrue(!autograd.weight().getArray().hasGradient(), "W stays frozen in the default mode too");
        }
    }

    @Test
    void anUnrecordedForwardComputesNoWeightGradient() {
        Problem p = Problem.random(35);
        try (NDManager scope = manager.newSubManager()) {
            MarginHead head = directAfterFirstStep(scope, p);
            float[] before = weightGrad(head);
            double trainingLoss = head.lastLoss();
            try (NDManager batch = scope.newSubManager()) {
                float loss = forward(batch, head, batch.create(p.x(), new Shape(BATCH, DIM)), p).getFloat();
                assertEquals(trainingLoss, loss, 1e-6 * Math.abs(trainingLoss), "the loss, as in training");
            }
            assertArrayEquals(before, weightGrad(head), "no gradient outside a GradientCollector");
            step(scope, head, p, 1f, true);
        }
    }

    /** actual = 2 once, element by element, within the rounding of one float addition. */
    private static void assertTwice(float[] once, float[] actual, String what) {
        for (int e = 0; e < once.length; e++) {
            assertEquals(2 * once[e], actual[e], 2 * Math.ulp(once[e]), what + e + "]");
        }
    }

    private static GradientCollector newCollector() {
        return manager.getEngine().newGradientCollector();
    }
}
