package org.marginkernels;

import static org.marginkernels.spec.Exprs.RESIDUAL;
import static org.marginkernels.spec.Exprs.abs;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.log1p;
import static org.marginkernels.spec.Exprs.lt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import org.marginkernels.spec.Expr;

/**
 * The Wing loss (Feng et al., "Wing Loss for Robust Facial Landmark Localisation with Convolutional Neural
 * Networks", CVPR 2018, eq. 5) for landmark coordinate regression, per coordinate of the residual x =
 * prediction - target:
 *
 * <pre>
 *   wing(x) = w ln(1 + |x| / epsilon)   if |x| &lt; w
 *             |x| - C                    otherwise,   C = w - w ln(1 + w / epsilon)
 * </pre>
 *
 * <p>Defaults w = 10, epsilon = 2 (the paper's), reduced by {@link Reduction#MEAN}: the sum over all coordinates
 * divided by the batch size, as the Caffe layer does (see {@link RegressionLoss}). The derivative w / (epsilon + |x|)
 * sign(x) (sign(x) past w) comes from the spec; at x = 0 it is 0, the subgradient the Caffe layer's sign(0) = 0 gives.
 */
public final class WingLoss {

    /** The paper's width w of the non-linear part. */
    public static final double DEFAULT_WIDTH = 10;
    /** The paper's curvature epsilon of the non-linear part. */
    public static final double DEFAULT_CURVATURE = 2;
    /** The largest accepted w. */
    public static final double MAX_WIDTH = 0x1p20;
    /** epsilon is accepted in [2^-20, 2^20]: the slope w / epsilon stays within 2^40. */
    public static final double MIN_CURVATURE = 0x1p-20;
    /** The largest accepted epsilon. */
    public static final double MAX_CURVATURE = 0x1p20;

    private WingLoss() {
    }

    /** The Wing loss with the paper's w = 10, epsilon = 2, mean over samples. */
    public static RegressionLoss defaults() {
        return builder().build();
    }

    /** The Wing loss with width w and curvature epsilon, mean over samples. */
    public static RegressionLoss of(double w, double epsilon) {
        return builder().width(w).curvature(epsilon).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The per-coordinate expression wing(x) of {@code Exprs.RESIDUAL}. */
    static Expr expression(double w, double epsilon) {
        Expr width = param("w", w);
        Expr curvature = param("epsilon", epsilon);
        Expr ax = abs(RESIDUAL);
        // C = w - w ln(1 + w / epsilon): parameters only, computed once per call in double
        Expr c = sub(width, mul(width, log1p(div(width, curvature))));
        return select(lt(ax, width), mul(width, log1p(div(ax, curvature))), sub(ax, c));
    }

    /** Builds a Wing loss; every setter checks its value. */
    public static final class Builder {

        private double width = DEFAULT_WIDTH;
        private double curvature = DEFAULT_CURVATURE;
        private Reduction reduction = Reduction.MEAN;

        private Builder() {
        }

        /** w, the width of the logarithmic part, in (0, 2^20]. */
        public Builder width(double w) {
            if (!(w > 0 && w <= MAX_WIDTH)) {
                throw new IllegalArgumentException("w must be in (0, " + MAX_WIDTH + "], got " + w);
            }
            this.width = w;
            return this;
        }

        /** epsilon, the curvature of the logarithmic part, in [2^-20, 2^20]. */
        public Builder curvature(double epsilon) {
            Margins.check("epsilon", epsilon, MIN_CURVATURE, MAX_CURVATURE);
            this.curvature = epsilon;
            return this;
        }

        /** MEAN (default: sum over coordinates / samples) or SUM. */
        public Builder reduction(Reduction reduction) {
            this.reduction = RegressionLoss.checkReduction(reduction);
            return this;
        }

        public RegressionLoss build() {
            return new RegressionLoss("wing(w=" + width + ", epsilon=" + curvature + ")",
                    expression(width, curvature), reduction, -Float.MAX_VALUE, Float.MAX_VALUE);
        }
    }
}
