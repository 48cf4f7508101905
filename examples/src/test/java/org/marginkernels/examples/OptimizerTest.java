package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void momentumAndDecayFollowTorchSgd() {
        Parameter w = Parameter.of("w", new float[] {1f, -2f}, true);
        Parameter b = Parameter.of("b", new float[] {0.5f}, false);
        SgdMomentum sgd = new SgdMomentum(0.9, 0.1);
        w.grad()[0] = 0.5f;
        w.grad()[1] = 1f;
        b.grad()[0] = 2f;
        sgd.step(List.of(w, b), 0.1);
        // v = g + lambda w = (0.6, 0.8); w = w - 0.1 v; the bias has no decay: v = 2, b = 0.5 - 0.2
        assertEquals(0.94f, w.value()[0], 1e-6f);
        assertEquals(-2.08f, w.value()[1], 1e-6f);
        assertEquals(0.3f, b.value()[0], 1e-6f);
        sgd.step(List.of(w, b), 0.1);
        // v = 0.9 * 0.6 + 0.5 + 0.1 * 0.94 = 1.134
        assertEquals(0.94f - 0.1134f, w.value()[0], 1e-6f);
    }

    @Test
    void scheduleWarmsUpThenDecaysToZero() {
        LearningRateSchedule s = new LearningRateSchedule(0.1, 10, 110);
        assertEquals(0.01, s.at(0), 1e-12);
        assertEquals(0.1, s.at(9), 1e-12);
        assertEquals(0.1, s.at(10), 1e-12);
        assertEquals(0.05, s.at(60), 1e-12);
        assertEquals(0.0, s.at(110), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0.1, 5, 5));
    }
}
