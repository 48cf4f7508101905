package org.marginkernels;

import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.REGRESSION_TARGET;
import static org.marginkernels.spec.Exprs.RESIDUAL;
import static org.marginkernels.spec.Exprs.abs;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.log1p;
import static org.marginkernels.spec.Exprs.lt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.pow;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import org.marginkernels.spec.Expr;

/**
 * The Adaptive Wing loss (Wang, Bo and Fuxin, "Adaptive Wing Loss for Robust Face Alignment via Heatmap
 * Regression", ICCV 2019, eq. 8) for heatmap regression, per pixel of the residual x = prediction - target with the
 * target y in [0, 1]:
 *
 * <pre>
 *   awing(x, y) = omega ln(1 + (|x| / epsilon)^(alpha - y))   if |x| &lt; theta
 *                 A |x| - C                                    otherwise
 *   A = omega (1 / (1 + (theta / epsilon)^(alpha - y))) (alpha - y) (theta / epsilon)^(alpha - y - 1) / epsilon
 *   C = theta A - omega ln(1 + (theta / epsilon)^(alpha - y))
 * </pre>
 *
 * <p>The paper's formula, which the official repository (protossw512/AdaptiveWingLoss) states but whose code it does
 * not publish; widely copied re-implementations divide |x| by omega instead of epsilon in the first branch, which
 * breaks the continuity at theta (the fix is discussed in that repository's issue #14). Defaults omega = 14,
 * theta = 0.5, epsilon = 1, alpha = 2.1 (the paper's); reduced like {@link WingLoss}. The exponent depends on y, a
 * constant of the backward pass; alpha &gt; 2 and y &lt;= 1 keep alpha - y - 1 &gt; 0, so the derivative is 0 at
 * x = 0.
 */
public final class AdaptiveWingLoss {

    public static final double DEFAULT_OMEGA = 14;
    public static final double DEFAULT_THETA = 0.5;
    public static final double DEFAULT_EPSILON = 1;
    public static final double DEFAULT_ALPHA = 2.1;
    /** omega and theta are accepted in (0, 100], epsilon in [0.01, 100]: (theta / epsilon)^4 and A stay in float. */
    public static final double MAX_OMEGA = 100;
    public static final double MAX_THETA = 100;
    public static final double MIN_EPSILON = 0.01;
    public static final double MAX_EPSILON = 100;
    /** alpha is accepted in (2, 4]. */
    public static final double MAX_ALPHA = 4;

    private AdaptiveWingLoss() {
    }

    /** The Adaptive Wing loss with the paper's parameters, mean over samples. */
    public static RegressionLoss defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The per-pixel expression of {@code Exprs.RESIDUAL} and {@code Exprs.REGRESSION_TARGET}. */
    static Expr expression(double omega, double theta, double epsilon, double alpha) {
        Expr w = param("omega", omega);
        Expr t = param("theta", theta);
        Expr e = param("epsilon", epsilon);
        Expr exponent = sub(param("alpha", alpha), REGRESSION_TARGET);
        Expr ratio = div(t, e);
        Expr ax = abs(RESIDUAL);
        Expr ratioPow = pow(ratio, exponent);
        Expr a = mul(mul(mul(div(w, add(ONE, ratioPow)), exponent), pow(ratio, sub(exponent, ONE))), div(ONE, e));
        Expr c = sub(mul(t, a), mul(w, log1p(ratioPow)));
        return select(lt(ax, t), mul(w, log1p(pow(div(ax, e), exponent))), sub(mul(a, ax), c));
    }

    /** Builds an Adaptive Wing loss; every setter checks its value. */
    public static final class Builder {

        private double omega = DEFAULT_OMEGA;
        private double theta = DEFAULT_THETA;
        private double epsilon = DEFAULT_EPSILON;
        private double alpha = DEFAULT_ALPHA;
        private Reduction reduction = Reduction.MEAN;

        private Builder() {
        }

        /** omega, the scale of the non-linear part, in (0, 100]. */
        public Builder omega(double omega) {
            positiveUpTo("omega", omega, MAX_OMEGA);
            this.omega = omega;
            return this;
        }

        /** theta, where the loss turns linear, in (0, 100]. */
        public Builder theta(double theta) {
            positiveUpTo("theta", theta, MAX_THETA);
            this.theta = theta;
            return this;
        }

        /** epsilon, the curvature, in [0.01, 100]. */
        public Builder epsilon(double epsilon) {
            Margins.check("epsilon", epsilon, MIN_EPSILON, MAX_EPSILON);
            this.epsilon = epsilon;
            return this;
        }

        /** alpha, the exponent at y = 0, in (2, 4]. */
        public Builder alpha(double alpha) {
            if (!(alpha > 2 && alpha <= MAX_ALPHA)) {
                throw new IllegalArgumentException("alpha must be in (2, " + MAX_ALPHA + "], got " + alpha);
            }
            this.alpha = alpha;
            return this;
        }

        /** MEAN (default: sum over coordinates / samples) or SUM. */
        public Builder reduction(Reduction reduction) {
            this.reduction = RegressionLoss.checkReduction(reduction);
            return this;
        }

        public RegressionLoss build() {
            return new RegressionLoss("adaptive-wing(omega=" + omega + ", theta=" + theta + ", epsilon=" + epsilon
                    + ", alpha=" + alpha + ")", expression(omega, theta, epsilon, alpha), reduction, 0, 1);
        }

        private static void positiveUpTo(String name, double value, double max) {
            if (!(value > 0 && value <= max)) {
                throw new IllegalArgumentException(name + " must be in (0, " + max + "], got " + value);
            }
        }
    }
}
