package org.marginkernels;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.marginkernels.spec.Kinks;
import org.marginkernels.testing.Tolerance;

/**
 * The derivative every backend computes for a regression loss, dl/dx from {@code Derivative}, against central
 * finite differences of l in double, away from the kinks (|x| = 0, |x| = w or theta; {@link Kinks}); and the
 * reference backend's gradient against finite differences of its reduced loss.
 */
class RegressionGradientProperties {

    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of(LossCatalogue.regressions().keySet());
    }

    @Property(tries = 400)
    void derivativeMatchesFiniteDifferences(@ForAll("losses") String name,
            @ForAll("residuals") double x, @ForAll("unitTargets") double y) {
        RegressionLoss loss = LossCatalogue.regressions().get(name);
        // kinks are |x| = k: keep a relative distance from every one
        for (double k : Kinks.of(loss.spec().value())) {
            Assume.that(Math.abs(Math.abs(x) - k) > 1e-4 * Math.max(1, k));
        }
        double h = 1e-6 * Math.max(1e-3, Math.abs(x));
        double fd = (loss.value(x + h, y) - loss.value(x - h, y)) / (2 * h);
        Tolerance.assertClose(name + " dl/dx at x=" + x + ", y=" + y, fd, loss.derivative(x, y), 1e-7, 1e-5);
    }

    @Property(tries = 60)
    void referenceGradientMatchesFiniteDifferencesOfTheReducedLoss(@ForAll("losses") String name,
            @ForAll("residuals") double x, @ForAll("unitTargets") double y) {
        RegressionLoss loss = LossCatalogue.regressions().get(name);
        for (double k : Kinks.of(loss.spec().value())) {
            Assume.that(Math.abs(Math.abs(x) - k) > 1e-2 * Math.max(1, k));
        }
        float t = (float) y;
        float[] p = {(float) (t + x), t + 0.25f, t - 0.125f};
        float[] targets = {t, t, t};
        float[] grad = new float[3];
        try (Backend reference = Backends.named("reference")) {
            reference.regressionLoss(loss, p, targets, 1, grad);
            float[] up = p.clone();
            float[] down = p.clone();
            up[0] = (float) (p[0] + 1e-3 * Math.max(1, Math.abs(x)));
            down[0] = (float) (p[0] - 1e-3 * Math.max(1, Math.abs(x)));
            double fd = (reference.regressionLoss(loss, up, targets, 1, null)
                    - reference.regressionLoss(loss, down, targets, 1, null)) / ((double) up[0] - down[0]);
            Tolerance.assertClose(name + " dL/dp_0 at x=" + x, fd, grad[0], 1e-5, 1e-3);
        }
    }

    @Provide
    Arbitrary<Double> residuals() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(-40, 40).ofScale(6), Arbitraries.doubles().between(-1, 1).ofScale(8),
                Arbitraries.doubles().between(-1e-3, 1e-3).ofScale(10), Arbitraries.doubles().between(-1e6, 1e6));
    }

    /** Targets in [0, 1], which every catalogue loss accepts (Adaptive Wing reads them). */
    @Provide
    Arbitrary<Double> unitTargets() {
        return Arbitraries.doubles().between(0, 1).ofScale(6);
    }
}
