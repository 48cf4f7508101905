package org.marginkernels.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FiniteDifferencesTest {

    // log-sum-exp of 3 x: smooth, with curvature, its gradient the softmax times 3
    private static final ToDoubleFunction<float[]> LSE = v -> {
        double max = max3(v);
        double sum = 0;
        for (float x : v) {
            sum += Math.exp(3.0 * x - max);
        }
        return max + Math.log(sum);
    };

    private static double max3(float[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : v) {
            max = Math.max(max, 3.0 * x);
        }
        return max;
    }

    private static float[] lseGradient(float[] v) {
        double lse = LSE.applyAsDouble(v);
        float[] g = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            g[i] = (float) (3 * Math.exp(3.0 * v[i] - lse));
        }
        return g;
    }

    @Property(tries = 50)
    void matchesAnAnalyticGradientOnTheGrid(@ForAll @IntRange(min = 1, max = 33) int n, @ForAll long seed) {
        float[] x = FiniteDifferences.gridValues(new SplittableRandom(seed), n, 1);
        float[] before = x.clone();
        // Richardson's error here is ~h^4 * 3^5 ~ 1e-12; float rounding of the analytic gradient dominates
        FiniteDifferences.assertGradient("lse", lseGradient(x), LSE, x, 1e-6, 1e-6);
        assertArrayEquals(before, x, "the point is restored");
    }

    @Test
    void aWrongGradientFails() {
        float[] x = FiniteDifferences.gridValues(new SplittableRandom(7), 8, 4);
        float[] wrong = lseGradient(x);
        wrong[5] += 1e-3f; // over 100 times the tolerance (1e-6 of entries of at most 3, twice)
        AssertionError e = assertThrows(AssertionError.class,
                () -> FiniteDifferences.assertGradient("lse", wrong, LSE, x, 1e-6, 1e-6));
        assertEquals(true, e.getMessage().contains("element 5"), e.getMessage());
    }

    @Test
    void extrapolationBeatsThePlainCentralDifference() {
        // d/dx sin(4x) at x = 0.25: plain central error ~ h^2 * 64 / 6, extrapolated ~ h^4 * 1024 / 120
        float[] x = {0.25f};
        double exact = 4 * Math.cos(1.0);
        double d = FiniteDifferences.derivative(v -> Math.sin(4.0 * v[0]), x, 0, 0x1p-6f);
        double plain = (Math.sin(4.0 * (0.25 + 0x1p-6)) - Math.sin(4.0 * (0.25 - 0x1p-6))) / 0x1p-5;
        assertEquals(exact, d, 1e-7);
        assertEquals(true, Math.abs(plain - exact) > 1e-4, "plain central difference error " + (plain - exact));
    }

    @Test
    void gridValuesAreExactUnderTheSteps() {
        float[] x = FiniteDifferences.gridValues(new SplittableRandom(1), 300, 3);
        for (float v : x) {
            assertEquals(v * 64, Math.rint(v * 64), 0, "on the 2^-6 grid");
            assertEquals((double) v + 0x1p-13, (double) (v + 0x1p-13f), 0, "x + h/2 exact");
        }
        assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.gridValues(new SplittableRandom(1), 7, 3));
        assertThrows(IllegalArgumentException.class, () -> FiniteDifferences.gradient(LSE, x, 0f));
    }
}
