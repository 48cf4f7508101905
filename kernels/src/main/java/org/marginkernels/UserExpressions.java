package org.marginkernels;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.marginkernels.spec.Derivative;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;
import org.marginkernels.spec.ScalarEvaluator;
import org.marginkernels.spec.ScalarFunction;
import org.marginkernels.spec.Simplifier;

/**
 * The checks of a user-defined expression ({@link Margin#of}, {@link NegativeTransform#of}) that keep the library's
 * input contract: every accepted input gives finite results on every backend. The expression may read only its own
 * variables, every parameter it reads must be declared with the same value, and the expression and its derivatives
 * must be finite and bounded on a grid of the cosines a backend can feed it (the facade admits cosines in [-2, 2]).
 */
final class UserExpressions {

    /** The largest |value| a user-defined transform may take: with s &lt;= 1e6 logits stay below 1e9. */
    static final double MAX_VALUE = 1e3;
    /** The largest |derivative|: gradients stay below 1e6 s / |x| &lt;= 1e27 in float. */
    static final double MAX_SLOPE = 1e6;
    private static final int GRID = 400;

    private UserExpressions() {
    }

    /** Checks the declared parameters against the expression's and returns them by name. */
    static Map<String, Double> parameters(String what, Expr e, Set<Expr.Var> allowed, LossParameter... declared) {
        Map<String, Double> byName = new LinkedHashMap<>();
        for (LossParameter p : declared) {
            if (byName.put(p.name(), p.value()) != null) {
                throw new IllegalArgumentException(what + ": parameter " + p.name() + " is declared twice");
            }
        }
        Map<String, Double> used = new HashMap<>();
        walk(what, e, allowed, used);
        used.forEach((name, value) -> {
            Double d = byName.get(name);
            if (d == null || Double.compare(d, value) != 0) {
                throw new IllegalArgumentException(what + " reads parameter " + name + " = " + value
                        + ", which is not declared with that value (declare it as a LossParameter and use its expr())");
            }
        });
        return byName;
    }

    private static void walk(String what, Expr e, Set<Expr.Var> allowed, Map<String, Double> used) {
        Exprs.forEachNode(e, n -> {
            switch (n) {
                case Expr.Var v when !allowed.contains(v) -> throw new IllegalArgumentException(what
                        + " may read only " + allowed + ", found " + v.name());
                case Expr.Param p -> used.put(p.name(), p.value());
                case Expr.Slot slot -> throw new IllegalArgumentException(what
                        + " may not read a slot: slots are made by the library from declared parameters");
                default -> {
                }
            }
        });
    }

    /** Row margins a margin that reads m_i is checked at: [-4, 4] covers margins in radians or cosine units. */
    private static final double[] ROW_MARGINS = {-4, -2, -1, -0.5, -0.1, 0, 0.1, 0.35, 0.5, 1, 2, 4};

    /** Feature norms a norm-reading margin is checked at: log-spaced over the accepted [1e-15, 2^126]. */
    private static final double[] NORMS = {1e-15, 1e-10, 1e-6, 1e-3, 0.01, 0.1, 0.5, 1, 2, 10, 30, 100, 1e3, 1e4,
        1e6, 1e10, 1e20, 1e30, 0x1p126};

    /**
     * Checks that {@code e} and its derivatives with respect to each variable are finite and bounded
     * ({@link #MAX_VALUE}, {@link #MAX_SLOPE}) over c in [-2, 2] and, for a negative transform, f_y in [-2, 2]; for a
     * margin that reads the feature norm, over the accepted norms.
     */
    static void bounded(String what, Expr e, boolean readsTarget) {
        boolean readsNorm = !readsTarget && Simplifier.reads(e, Exprs.FEATURE_NORM);
        boolean second = readsTarget || readsNorm;
        String name = readsTarget ? "f_y" : "|x|";
        double[] values = readsNorm ? NORMS : new double[GRID / 8 + 1];
        if (readsTarget) {
            for (int k = 0; k < values.length; k++) {
                values[k] = -2 + 4.0 * k / (values.length - 1);
            }
        }
        double[] margins = Simplifier.reads(e, Exprs.ROW_MARGIN) ? ROW_MARGINS : new double[] {0};
        ScalarFunction f = ScalarEvaluator.compile(e);
        ScalarFunction dc = ScalarEvaluator.compile(Derivative.of(e, Exprs.COSINE));
        ScalarFunction d2 = second ? ScalarEvaluator.compile(Derivative.of(e, Exprs.TARGET)) : null;
        for (int i = 0; i <= GRID; i++) {
            double c = -2 + 4.0 * i / GRID;
            for (double v : second ? values : new double[] {0}) {
                for (double m : margins) {
                    String at = "c = " + c + (second ? ", " + name + " = " + v : "")
                            + (margins.length > 1 ? ", m_i = " + m : "");
                    check(what, "value", f.apply(c, v, m), MAX_VALUE, at);
                    check(what, "derivative in c", dc.apply(c, v, m), MAX_SLOPE, at);
                    if (d2 != null) {
                        check(what, "derivative in " + name, d2.apply(c, v, m), MAX_SLOPE, at);
                    }
                }
            }
        }
    }

    private static void check(String what, String which, double v, double bound, String at) {
        if (!(Math.abs(v) <= bound)) {
            throw new IllegalArgumentException(what + ": its " + which + " must be finite and within +-" + bound
                    + " for every cosine in [-2, 2] (and f_y in [-2, 2], every norm in [1e-15, 2^126] or m_i in"
                    + " [-4, 4], that it reads), got " + v + " at " + at
                    + " (clamp the cosine, e.g. Exprs.clamp(COSINE, -1 + 1e-7, 1 - 1e-7), before acos or a division)");
        }
    }
}
