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
 * Wing and Adaptive Wing by hand-computed values (Feng et al. 2018, eq. 5; Wang et al. 2019, eq. 8), the Caffe
 * layer's reduction (sum over coordinates / samples), the subgradient 0 at x = 0, and every rejected input.
 */
class WingLossTest {

    private static final float SENTINEL = 12345f;
    private final Backend backend = Backends.named("reference");

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void wingMatchesThePaperFormula() {
        RegressionLoss wing = WingLoss.defaults();
        double c = 10 - 10 * Math.log(1 + 10 / 2.0);
        assertEquals(0, wing.value(0, 0));
        assertEquals(10 * Math.log(1 + 3 / 2.0), wing.value(3, 7), 1e-12);
        assertEquals(10 * Math.log(1 + 3 / 2.0), wing.value(-3, 7), 1e-12);
        assertEquals(25 - c, wing.value(25, 0), 1e-12);
        // continuous at |x| = w, where the linear branch starts
        assertEquals(10 * Math.log(1 + 10 / 2.0), wing.value(10, 0), 1e-12);
        assertEquals(10 / (2 + 3.0), wing.derivative(3, 0), 1e-12);
        assertEquals(-10 / (2 + 3.0), wing.derivative(-3, 0), 1e-12);
        assertEquals(1, wing.derivative(12, 0));
        assertEquals(-1, wing.derivative(-12, 0));
        assertEquals(0, wing.derivative(0, 0), "the subgradient at the kink of |x|");
    }

    @Test
    void adaptiveWingIsContinuousAndSmoothAtTheta() {
        RegressionLoss awing = AdaptiveWingLoss.defaults();
        for (double y : new double[] {0, 0.3, 1}) {
            double e = 2.1 - y;
            assertEquals(14 * Math.log1p(Math.pow(0.2 / 1, e)), awing.value(0.2, y), 1e-12);
            assertEquals(awing.value(0.5 - 1e-9, y), awing.value(0.5 + 1e-9, y), 1e-6);
            assertEquals(awing.derivative(0.5 - 1e-9, y), awing.derivative(0.5 + 1e-9, y), 1e-6);
            assertEquals(0, awing.derivative(0, y));
        }
    }

    @Test
    void meanDividesTheSumBySamplesAsTheCaffeLayer() {
        float[] p = {1, 2, 30, -4, 0, 6};
        float[] t = {0, 0, 0, 0, 0, 0};
        RegressionLoss wing = WingLoss.defaults();
        double sum = 0;
        for (float v : p) {
            sum += wing.value(v, 0);
        }
        float[] g = new float[6];
        assertEquals(sum / 3, backend.regressionLoss(wing, p, t, 2, g), 1e-12);
        assertEquals((float) (wing.derivative(30, 0) / 3), g[2]);
        assertEquals(0, g[4]);
        assertEquals(sum, backend.regressionLoss(wing.withReduction(Reduction.SUM), p, t, 2, null), 1e-12);
        assertEquals(sum / 6, backend.regressionLoss(wing, p, t, 1, null), 1e-12);
    }

    @Test
    void parametersAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> WingLoss.of(0, 2));
        assertThrows(IllegalArgumentException.class, () -> WingLoss.of(10, 0));
        assertThrows(IllegalArgumentException.class, () -> WingLoss.of(Double.NaN, 2));
        assertThrows(IllegalArgumentException.class, () -> WingLoss.builder().reduction(Reduction.NONE));
        assertThrows(IllegalArgumentException.class, () -> AdaptiveWingLoss.builder().alpha(2));
        assertThrows(IllegalArgumentException.class, () -> AdaptiveWingLoss.builder().epsilon(0));
        assertThrows(IllegalArgumentException.class, () -> AdaptiveWingLoss.builder().theta(-1));
    }

    @Test
    void badInputsNameTheArgumentAndWriteNothing() {
        RegressionLoss wing = WingLoss.defaults();
        float[] p = {1, 2, 3, 4};
        float[] t = {0, 1, 0, 1};
        rejects("loss", p, t, () -> backend.regressionLoss(null, p, t, 2, grad(4)));
        rejects("dim", p, t, () -> backend.regressionLoss(wing, p, t, 0, grad(4)));
        rejects("predictions", p, t, () -> backend.regressionLoss(wing, p, t, 3, grad(4)));
        rejects("predictions", p, t, () -> backend.regressionLoss(wing, null, t, 2, grad(4)));
        rejects("predictions", p, t, () -> backend.regressionLoss(wing, new float[0], new float[0], 2, grad(4)));
        rejects("targets", p, t, () -> backend.regressionLoss(wing, p, new float[] {0, 1}, 2, grad(4)));
        rejects("gradOut", p, t, () -> backend.regressionLoss(wing, p, t, 2, grad(3)));
        rejects("gradOut", p, t, () -> backend.regressionLoss(wing, p, t, 2, p));
        float[] nan = {1, Float.NaN, 3, 4};
        rejects("predictions", nan, t, () -> backend.regressionLoss(wing, nan, t, 2, grad(4)));
        float[] inf = {0, 1, Float.POSITIVE_INFINITY, 1};
        rejects("targets", p, inf, () -> backend.regressionLoss(wing, p, inf, 2, grad(4)));
        float[] huge = {1, 2, 3e19f, 4};
        rejects("predictions[2] - targets[2]", huge, t, () -> backend.regressionLoss(wing, huge, t, 2, grad(4)));
        float[] heat = {0, 1.5f, 0, 1};
        rejects("targets[1]", p, heat,
                () -> backend.regressionLoss(AdaptiveWingLoss.defaults(), p, heat, 2, grad(4)));
    }

    private float[] lastGrad;

    private float[] grad(int n) {
        lastGrad = new float[n];
        Arrays.fill(lastGrad, SENTINEL);
        return lastGrad;
    }

    private void rejects(String argument, float[] p, float[] t, Executable call) {
        float[] pBefore = p.clone();
        float[] tBefore = t.clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(argument), () -> "message must name " + argument + ": " + e.getMessage());
        assertArrayEquals(pBefore, p);
        assertArrayEquals(tBefore, t);
        for (float g : lastGrad) {
            assertEquals(SENTINEL, g, "gradOut must be untouched");
        }
    }
}
