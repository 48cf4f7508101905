package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Scale;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;

/**
 * The symbolic derivative of every catalogue expression against finite differences, over the whole valid cosine
 * range, near -1 and +1, and at every branch threshold.
 *
 * <p>Tolerances: a central difference with step h has truncation error h^2 |f'''| / 6 and rounding error
 * ~ 1e-16 |f| / h. Away from the ends, h = 1e-6 gives both below 1e-8 for these functions (|f'''| &lt; 1e4), so
 * 1e-6 relative plus 1e-6 absolute is a loose bound. Near +-1 the acos-based terms have f'' ~ (1 - c)^(-3/2), so the
 * step is scaled to the distance from the end: h = 1e-3 (1 - |c|), which bounds the relative truncation error by
 * about 1e-6.
 */
class DerivativeProperties {

    private static final Map<String, MarginSoftmax> LOSSES = LossCatalogue.all();
    private static final double EPS = org.marginkernels.Margins.COSINE_EPSILON;
    /** The feature norm a norm-reading target (AdaFace, MagFace) is differentiated at: inside their clips. */
    private static final double NORM = 30;

    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of(LOSSES.keySet());
    }

    @Property(tries = 400, seed = "42")
    void targetDerivativeMatchesFiniteDifferences(@ForAll("losses") String name,
            @ForAll @Scale(12) @DoubleRange(min = -0.999, max = 0.999) double c) {
        KernelSpec spec = LOSSES.get(name).spec();
        double h = 1e-6;
        Assume.that(Kinks.farFrom(spec.target(), c, 10 * h));
        ScalarFunction f = differentiated(spec.target());
        double fd = (f.apply(c + h, NORM) - f.apply(c - h, NORM)) / (2 * h);
        assertEquals(fd, spec.targetGradient(c, NORM, 0), within(fd, 1e-6), () -> name + " f'(" + c + ")");
    }

    @Property(tries = 200, seed = "43")
    void targetDerivativeNearTheEnds(@ForAll("losses") String name,
            @ForAll @Scale(12) @DoubleRange(min = 2 * 1e-7, max = 1e-3) double distance, @ForAll boolean nearPlusOne) {
        KernelSpec spec = LOSSES.get(name).spec();
        Assume.that(distance > 2 * EPS);
        double c = nearPlusOne ? 1 - distance : -1 + distance;
        // keep both sample points strictly inside the clamp
        double h = 1e-3 * (distance - EPS);
        Assume.that(Kinks.farFrom(spec.target(), c, 2 * h));
        ScalarFunction f = differentiated(spec.target());
        double fd = (f.apply(c + h, NORM) - f.apply(c - h, NORM)) / (2 * h);
        double d = spec.targetGradient(c, NORM, 0);
        assertTrue(Double.isFinite(d), () -> name + " f'(" + c + ") = " + d);
        assertEquals(fd, d, within(fd, 1e-5), () -> name + " f'(" + c + ")");
    }

    @Property(tries = 300, seed = "44")
    void targetIsFiniteEverywhere(@ForAll("losses") String name,
            @ForAll @Scale(12) @DoubleRange(min = -1.5, max = 1.5) double c) {
        KernelSpec spec = LOSSES.get(name).spec();
        assertTrue(Double.isFinite(spec.target(c, NORM, 0)), () -> name + " f(" + c + ")");
        assertTrue(Double.isFinite(spec.targetGradient(c, NORM, 0)), () -> name + " f'(" + c + ")");
    }

    @Property(tries = 300, seed = "45")
    void negativeDerivativesMatchFiniteDifferences(@ForAll("losses") String name,
            @ForAll @Scale(12) @DoubleRange(min = -1, max = 1) double c, @ForAll @Scale(12) @DoubleRange(min = -2, max = 1) double fy) {
        KernelSpec spec = LOSSES.get(name).spec();
        double h = 1e-6;
        Assume.that(Math.abs(c - fy) > 10 * h);
        double dc = (spec.negative(c + h, fy) - spec.negative(c - h, fy)) / (2 * h);
        double dfy = (spec.negative(c, fy + h) - spec.negative(c, fy - h)) / (2 * h);
        assertEquals(dc, spec.negativeGradient(c, fy), within(dc, 1e-6), () -> name + " dg/dc");
        assertEquals(dfy, spec.negativeTargetGradient(c, fy), within(dfy, 1e-6), () -> name + " dg/dfy");
    }

    @Property(tries = 300, seed = "46")
    void rowLossDerivativeMatchesFiniteDifferences(@ForAll("losses") String name,
            @ForAll @Scale(12) @DoubleRange(min = -30, max = -1e-4) double lp) {
        KernelSpec spec = LOSSES.get(name).spec();
        double h = 1e-4 * Math.min(1, -lp);
        double fd = (spec.rowLoss(lp + h) - spec.rowLoss(lp - h)) / (2 * h);
        assertEquals(fd, spec.rowLossGradient(lp), within(fd, 1e-6), () -> name + " F'(" + lp + ")");
        assertTrue(spec.rowLoss(lp) >= 0, () -> name + " F(" + lp + ") < 0");
    }

    @Property(tries = 60, seed = "47")
    void rowLossIsFiniteAtCertainty(@ForAll("losses") String name) {
        KernelSpec spec = LOSSES.get(name).spec();
        assertEquals(0, spec.rowLoss(0), 0.0);
        assertTrue(Double.isFinite(spec.rowLossGradient(0)), name);
        assertTrue(Double.isFinite(spec.rowLossGradient(-1e-300)), name);
    }

    /**
     * At a branch threshold t the expression takes one branch; its derivative there must be that branch's slope:
     * the one-sided difference from the side whose branch contains t.
     */
    @Property(tries = 100, seed = "48")
    void derivativeAtEachThresholdIsTheSlopeOfItsBranch(@ForAll("losses") String name) {
        KernelSpec spec = LOSSES.get(name).spec();
        for (double t : Kinks.of(spec.target())) {
            if (Math.abs(t) >= 1 - 2 * EPS) {
                continue;
            }
            double h = 1e-7;
            ScalarFunction f = differentiated(spec.target());
            double left = (f.apply(t, NORM) - f.apply(t - h, NORM)) / h;
            double right = (f.apply(t + h, NORM) - f.apply(t, NORM)) / h;
            double d = spec.targetGradient(t, NORM, 0);
            boolean matchesLeft = Math.abs(d - left) <= 1e-4 * (1 + Math.abs(left));
            boolean matchesRight = Math.abs(d - right) <= 1e-4 * (1 + Math.abs(right));
            assertTrue(matchesLeft || matchesRight, () -> name + " at threshold " + t + ": f' = " + d
                    + ", one-sided slopes " + left + " and " + right);
        }
    }

    /**
     * The function whose slope the derivative must match: the expression itself, with every straight-through node
     * replaced by its gradient surrogate (a straight-through margin differentiates as the identity by design).
     */
    static ScalarFunction differentiated(Expr e) {
        return ScalarEvaluator.compile(surrogate(e));
    }

    private static Expr surrogate(Expr e) {
        return switch (e) {
            case Expr.StraightThrough st -> surrogate(st.gradient());
            case Expr.Unary u -> new Expr.Unary(u.op(), surrogate(u.arg()));
            case Expr.Binary b -> new Expr.Binary(b.op(), surrogate(b.left()), surrogate(b.right()));
            case Expr.Select s -> new Expr.Select(s.condition(), surrogate(s.ifTrue()), surrogate(s.ifFalse()));
            default -> e;
        };
    }

    static double within(double expected, double rel) {
        return rel * (1 + Math.abs(expected));
    }

}
