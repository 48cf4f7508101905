package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.FEATURE_NORM;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.ZERO;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Map;
import org.marginkernels.spec.Expr;

/**
 * MagFace (Meng et al., "MagFace: A Universal Representation for Face Recognition and Quality Assessment", CVPR 2021,
 * eq. 3-5), as the authors' code computes it (IrvingMeng/MagFace, models/magface.py: MagLinear with its default
 * easy margin, and MagLoss): with a = clamp(|x|, l_a, u_a), the margin m(a) = l_m + (u_m - l_m)(a - l_a) / (u_a - l_a)
 * grows with the feature norm, the target is cos(theta + m(a)) where c &gt; 0 and c elsewhere, and the regularizer
 * lambda_g g(a) with g(a) = a / u_a^2 + 1 / a is added to each row's loss (averaged over the batch with it). No
 * tensor is detached: the gradient flows through |x| in both the margin and the regularizer (zero where the clamp
 * is active, as torch.clamp's).
 *
 * <p>Written as data: a margin that reads {@code Exprs.FEATURE_NORM} and a norm regularizer. The defaults are the
 * code's (l_a = 10, u_a = 110, l_m = 0.45, u_m = 0.8, lambda_g = 20; the paper's Table uses lambda_g = 35).
 */
public final class MagFace {

    private MagFace() {
    }

    /** MagFace with the code's defaults at scale s. */
    public static MarginSoftmax loss(double s) {
        return loss(10, 110, 0.45, 0.8, 20, s);
    }

    /**
     * MagFace.
     *
     * @param lowerNorm l_a, in [1e-3, 1e3]
     * @param upperNorm u_a, in (l_a, 1e4]
     * @param lowerMargin l_m, in [0, pi/2]
     * @param upperMargin u_m, in [l_m, pi/2]
     * @param lambdaG lambda_g, the regularizer's weight, in [0, 1e3]
     * @param s the scale, in (0, {@link ScalePolicy#MAX_SCALE}]
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public static MarginSoftmax loss(double lowerNorm, double upperNorm, double lowerMargin, double upperMargin,
            double lambdaG, double s) {
        Margins.check("lowerNorm", lowerNorm, 1e-3, 1e3);
        Margins.check("upperNorm", upperNorm, Math.nextUp(lowerNorm), 1e4);
        Margins.check("lowerMargin", lowerMargin, 0, Math.PI / 2);
        Margins.check("upperMargin", upperMargin, lowerMargin, Math.PI / 2);
        Margins.check("lambdaG", lambdaG, 0, 1e3);
        Expr la = param("la", lowerNorm);
        Expr ua = param("ua", upperNorm);
        Expr lm = param("lm", lowerMargin);
        Expr um = param("um", upperMargin);
        Expr a = clamp(FEATURE_NORM, la, ua);
        Expr m = add(lm, mul(div(sub(um, lm), sub(ua, la)), sub(a, la)));
        Expr c = Margins.clampedCosine();
        Margin margin = new Margin("magface(la=" + lowerNorm + ", ua=" + upperNorm + ", lm=" + lowerMargin + ", um="
                + upperMargin + ")", select(gt(c, ZERO), Margins.cosThetaPlus(c, m), COSINE),
                Map.of("la", lowerNorm, "ua", upperNorm, "lm", lowerMargin, "um", upperMargin));
        Expr g = add(div(a, mul(ua, ua)), div(ONE, a));
        LossParameter lg = new LossParameter("lambda_g", lambdaG, 0, 1e3);
        LossParameter laP = new LossParameter("la", lowerNorm, 1e-3, 1e3);
        LossParameter uaP = new LossParameter("ua", upperNorm, 1e-3, 1e4);
        return MarginSoftmax.builder().margin(margin)
                .normRegularizer("magface-g(lambda_g=" + lambdaG + ")", mul(lg.expr(), g), lg, laP, uaP).scale(s)
                .build();
    }
}
