package org.marginkernels.crossbackend;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.junit.jupiter.api.Assertions;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossCatalogue;
import org.marginkernels.RegressionLoss;
import org.marginkernels.testing.Tolerance;

/**
 * Regression losses (Wing, Adaptive Wing) on a backend against the double-precision reference, for every catalogue
 * regression loss, over lengths 1, primes, SIMD widths +-1 and large, with residuals near 0, exactly at |x| = w (or
 * theta), just beside it, moderate and huge (up to 1e15).
 *
 * <p>Tolerances (float32 backend vs double reference). The backend rounds the residual to float (relative 2^-24)
 * and evaluates l and dl/dx in float (log1p and pow within a few ulp; pow(a, e) for a up to 1e2 and e up to 2.1
 * within about e ln(a) ulp): each term is within 1e-5 |l_i| + 1e-6 |x_i l'_i|, and the float partial sums add
 * 1e-6 relative of the sum of |l_i|; the loss tolerance is 2e-5 sum_i (|l_i| + |x_i l'_i|) times the reduction
 * weight. Gradient elements agree within 1e-5 relative plus 1e-6 of the largest. Both sides take the same branch:
 * every comparison is made on float values (the residual a backend forms is the float rounding of the reference's).
 */
abstract class RegressionAgreementContract {

    Backend backend;
    Backend reference;

    @BeforeProperty
    void open() {
        BackendUnderTest under = getClass().getAnnotation(BackendUnderTest.class);
        backend = SharedBackends.get(under.value(), BackendAgreementContract.options(under)).backend();
        reference = SharedBackends.get("reference", BackendOptions.defaults()).backend();
    }

    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of(LossCatalogue.regressions().keySet());
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.of(1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 511, 512, 513,
                1031, 4099, 100_003);
    }

    @Property(tries = 120)
    void lossAndGradientAgreeWithReference(@ForAll("losses") String name, @ForAll("lengths") int n,
            @ForAll long seed) {
        RegressionLoss loss = LossCatalogue.regressions().get(name);
        float[][] problem = problem(loss, n, new Random(seed));
        float[] p = problem[0];
        float[] t = problem[1];
        int dim = n % 2 == 0 ? 2 : 1;
        float[] expectedGrad = new float[n];
        float[] actualGrad = new float[n];
        double expected = reference.regressionLoss(loss, p, t, dim, expectedGrad);
        double actual = backend.regressionLoss(loss, p, t, dim, actualGrad);
        double scale = 0;
        for (int i = 0; i < n; i++) {
            double x = (double) p[i] - t[i];
            scale += Math.abs(loss.value(x, t[i])) + Math.abs(x * loss.derivative(x, t[i]));
        }
        double weight = loss.reductionWeight(n / dim);
        Tolerance.assertClose(name + " loss, n=" + n, expected, actual, 2e-5 * scale * weight + 1e-30, 0);
        Tolerance.assertClose(name + " gradient, n=" + n, expectedGrad, actualGrad,
                1e-6 * Tolerance.maxAbs(expectedGrad), 1e-5);
        Assertions.assertEquals(actual, backend.regressionLoss(loss, p, t, dim, null),
                "the loss must not depend on whether the gradient is asked for");
    }

    @Property(tries = 20)
    void repeatedCallsGiveTheSameBits(@ForAll("losses") String name, @ForAll("lengths") int n, @ForAll long seed) {
        RegressionLoss loss = LossCatalogue.regressions().get(name);
        float[][] problem = problem(loss, n, new Random(seed));
        float[] first = new float[n];
        float[] second = new float[n];
        double a = backend.regressionLoss(loss, problem[0], problem[1], 1, first);
        double b = backend.regressionLoss(loss, problem[0], problem[1], 1, second);
        Assertions.assertEquals(a, b);
        Assertions.assertArrayEquals(first, second);
    }

    /**
     * {predictions, targets}: targets in the loss's range (Wing: [-100, 100] on a grid of 1/8, so t + w is exact;
     * Adaptive Wing: [0, 1], half of them 0 as on a heatmap's background), residuals of every kind.
     */
    static float[][] problem(RegressionLoss loss, int n, Random random) {
        boolean unit = loss.targetMax() <= 1;
        double width = loss.name().startsWith("wing(w=10.0") ? 10 : 0.5;
        float[] p = new float[n];
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = unit ? (random.nextBoolean() ? 0 : random.nextFloat())
                    : (float) (Math.round((random.nextDouble() * 200 - 100) * 8) / 8.0);
            double sign = random.nextBoolean() ? 1 : -1;
            double x = switch (random.nextInt(7)) {
                case 0 -> 0;
                case 1 -> sign * random.nextDouble() * 1e-6;
                case 2 -> sign * width;
                case 3 -> sign * width * (1 + (random.nextDouble() - 0.5) * 1e-3);
                case 4 -> sign * Math.pow(10, random.nextDouble() * 15);
                default -> sign * random.nextDouble() * 3 * width;
            };
            p[i] = (float) (t[i] + x);
        }
        return new float[][] {p, t};
    }
}
