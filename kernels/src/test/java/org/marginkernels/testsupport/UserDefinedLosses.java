package org.marginkernels.testsupport;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ROW_MARGIN;
import static org.marginkernels.spec.Exprs.FEATURE_NORM;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Map;
import org.marginkernels.BatchStatistics;
import org.marginkernels.LossParameter;
import org.marginkernels.LossState;
import org.marginkernels.Margin;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.StateRule;
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

    /**
     * A margin that reads the feature norm, after MagFace (Meng et al., "MagFace: A Universal Representation for Face
     * Recognition and Quality Assessment", CVPR 2021, eq. 3, without its regularizer): f = cos(acos(c) + m(|x|))
     * with m(a) = l_m + (u_m - l_m)(clamp(a, l_a, u_a) - l_a) / (u_a - l_a). The norm range [0.25, 8] covers the
     * rows of the test problems, so the gradient through the norm is not zero.
     */
    public static Margin normMargin() {
        LossParameter lm = new LossParameter("lm", 0.2, 0, 1);
        LossParameter um = new LossParameter("um", 0.6, 0, 1.5);
        LossParameter la = new LossParameter("la", 0.25, 1e-3, 100);
        LossParameter ua = new LossParameter("ua", 8, 1e-2, 1000);
        Expr a = clamp(FEATURE_NORM, la.expr(), ua.expr());
        Expr m = add(lm.expr(), mul(div(sub(um.expr(), lm.expr()), sub(ua.expr(), la.expr())), sub(a, la.expr())));
        Expr c = clamp(COSINE, constant(-1 + Margins.COSINE_EPSILON), constant(1 - Margins.COSINE_EPSILON));
        return Margin.of("norm-margin", cos(add(acos(c), m)), lm, um, la, ua);
    }

    /**
     * MagFace's regularizer lambda_g g(a) with g(a) = 1/a + a / u_a^2 of the clamped norm a = clamp(|x|, l_a, u_a)
     * (Meng et al., CVPR 2021, eq. 5; IrvingMeng/MagFace computes it on the clamped x_norm), over the test norm range
     * [0.25, 8] of {@link #normMargin()}.
     */
    public static MarginSoftmax magFaceLike(double lambda) {
        LossParameter lg = new LossParameter("lambda_g", lambda, 0, 100);
        LossParameter la = new LossParameter("la", 0.25, 1e-3, 100);
        LossParameter ua = new LossParameter("ua", 8, 1e-2, 1000);
        Expr a = clamp(FEATURE_NORM, la.expr(), ua.expr());
        Expr g = add(div(ONE, a), div(a, mul(ua.expr(), ua.expr())));
        return MarginSoftmax.builder().margin(normMargin()).normRegularizer("magface-g", mul(lg.expr(), g), lg, la, ua)
                .scale(8).build();
    }

    /**
     * ArcFace without the fallback at a per-row margin, after ElasticFace (Boutros et al., "ElasticFace: Elastic
     * Margin Loss for Deep Face Recognition", CVPRW 2022, eq. 4): f = cos(acos(c) + m + m_i), m_i from a state rule.
     */
    public static MarginSoftmax rowMarginLoss(double m, StateRule rule) {
        LossParameter mm = new LossParameter("m", m, 0, 1);
        Expr c = clamp(COSINE, constant(-1 + Margins.COSINE_EPSILON), constant(1 - Margins.COSINE_EPSILON));
        Margin margin = Margin.of("row-margin-arcface(m=" + m + ")", cos(add(add(acos(c), mm.expr()), ROW_MARGIN)),
                mm);
        return MarginSoftmax.builder().margin(margin).state(rule).scale(30).build();
    }

    /** A state rule whose row margins are 0.06 (k mod 5) - 0.12 for the k-th counted row: fixed, easy to check. */
    public static StateRule fixedRowMargins() {
        return new StateRule() {
            @Override
            public LossState beforeStep(LossState previous, BatchStatistics batch) {
                return previous;
            }

            @Override
            public Map<String, Double> parameters(LossState state) {
                return Map.of();
            }

            @Override
            public double[] rowMargins(LossState state, BatchStatistics batch) {
                double[] m = new double[batch.rows()];
                for (int k = 0; k < m.length; k++) {
                    m[k] = 0.06 * (k % 5) - 0.12;
                }
                return m;
            }
        };
    }

    /** SV-Softmax: g = t (c + 1) - 1 for a hard negative (c &gt; f_y), else c. */
    public static NegativeTransform svSoftmax(double t) {
        LossParameter tt = new LossParameter("t", t, 1, 10);
        return NegativeTransform.of("my-sv(t=" + t + ")",
                select(gt(COSINE, TARGET), sub(mul(tt.expr(), add(COSINE, ONE)), ONE), COSINE), tt);
    }
}
