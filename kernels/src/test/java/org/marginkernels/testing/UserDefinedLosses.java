package org.marginkernels.testing;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sub;

import org.marginkernels.LossParameter;
import org.marginkernels.Margin;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.spec.Expr;

/**
 * Built-in losses written again as a user would, through {@link Margin#of} and {@link NegativeTransform#of} and the
 * public expression builders, in a different but equal form: tests check they give the built-ins' results.
 */
public final class UserDefinedLosses {

    private UserDefinedLosses() {
    }

    /** ArcFace as cos(acos(c) + m) with the fallback c - m sin(pi - m) below cos(pi - m) (Margins writes c cos m - ...). */
    public static Margin arcFace(double m) {
        LossParameter mm = new LossParameter("m", m, 0, Math.PI / 2);
        Expr c = clamp(COSINE, constant(-1 + Margins.COSINE_EPSILON), constant(1 - Margins.COSINE_EPSILON));
        Expr fallback = sub(COSINE, mul(mm.expr(), sin(sub(constant(Math.PI), mm.expr()))));
        return Margin.of("my-arcface(m=" + m + ")",
                select(gt(c, constant(Math.cos(Math.PI - m))), cos(add(acos(c), mm.expr())), fallback), mm);
    }

    /** SV-Softmax: g = t (c + 1) - 1 for a hard negative (c &gt; f_y), else c. */
    public static NegativeTransform svSoftmax(double t) {
        LossParameter tt = new LossParameter("t", t, 1, 10);
        return NegativeTransform.of("my-sv(t=" + t + ")",
                select(gt(COSINE, TARGET), sub(mul(tt.expr(), add(COSINE, ONE)), ONE), COSINE), tt);
    }
}
