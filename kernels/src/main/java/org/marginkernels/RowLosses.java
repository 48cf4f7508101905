package org.marginkernels;

import static org.marginkernels.spec.Exprs.LOG_PROB;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.expm1;
import static org.marginkernels.spec.Exprs.max;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.neg;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.pow;

import org.marginkernels.spec.Expr;

/** The per-row loss F(lp) as a function of lp = log p_y, the log-probability of the row's target class. */
final class RowLosses {

    /** Lower bound of 1 - p inside the focal term: keeps (1-p)^(gamma-1) finite for gamma &lt; 1 at p = 1. */
    static final double FOCAL_FLOOR = 1e-30;

    private RowLosses() {
    }

    /** Cross-entropy: F(lp) = -lp. */
    static Expr crossEntropy() {
        return neg(LOG_PROB);
    }

    /**
     * Focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017, eq. 5):
     * F(lp) = -(1 - p)^gamma log p, with 1 - p = -expm1(lp) computed without cancellation near p = 1.
     */
    static Expr focal(double gamma) {
        Expr oneMinusP = max(neg(expm1(LOG_PROB)), constant(FOCAL_FLOOR));
        return neg(mul(pow(oneMinusP, param("gamma", gamma)), LOG_PROB));
    }
}
