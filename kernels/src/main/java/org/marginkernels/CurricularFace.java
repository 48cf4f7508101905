package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.lt;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Map;
import org.marginkernels.spec.Expr;

/**
 * CurricularFace (Huang et al., "CurricularFace: Adaptive Curriculum Learning Loss for Deep Face Recognition",
 * CVPR 2020, eq. 8-10), as the authors' code computes it (HuangYG123/CurricularFace, head/metrics.py): the target
 * is ArcFace's cos(theta + m) with its fallback, and a hard negative, one whose cosine exceeds the margined target,
 * becomes c (t + c), where t is a running mean of the target cosines: before each step's forward pass
 * t = 0.01 mean_i(c_iy) + 0.99 t, starting at 0, with no gradient through t.
 *
 * <p>Written as data: a margin, a negative transform reading the parameter {@value #T}, and a {@link StateRule}
 * that sets it from the {@link LossState}; {@link Backend#step} runs it on every backend with no code of its own.
 * As in the reference code, a negative is hard when its cosine exceeds cos(theta_y + m) even where the target takes
 * ArcFace's fallback c_y - m sin m (c_y &lt;= cos(pi - m)). The transform reads only f_y, and recovers that
 * threshold from it: the fallback's values lie below -1 and the others do not (cos m + m sin m &gt; 1 for m &gt; 0),
 * so f_y &lt; -1 means c_y = f_y + m sin m and the threshold is c_y cos m - sin(theta_y) sin m; otherwise f_y.
 */
public final class CurricularFace {

    /** The parameter of the negative transform and the state entry: the running mean t of target cosines. */
    public static final String T = "curricular.t";
    /** The weight of the new batch in t's running mean (the paper's alpha = 0.99 keeps 0.99 of the old t). */
    public static final double MOMENTUM = 0.01;

    private static final StateRule RULE = new StateRule() {
        @Override
        public LossState beforeStep(LossState previous, BatchStatistics batch) {
            double t = previous.get(T, 0);
            return previous.with(T, MOMENTUM * batch.meanTargetCosine(t) + (1 - MOMENTUM) * t);
        }

        @Override
        public Map<String, Double> parameters(LossState state) {
            return Map.of(T, state.get(T, 0));
        }

        @Override
        public String toString() {
            return "curricular-t(momentum=" + MOMENTUM + ")";
        }
    };

    private CurricularFace() {
    }

    /**
     * The CurricularFace loss: ArcFace target at margin m, hard negatives c (t + c), scale s, t kept in the state.
     *
     * @param m the additive angular margin in radians, in [0, pi/2] (the paper uses 0.5)
     * @param s the scale, in (0, {@link ScalePolicy#MAX_SCALE}] (the paper uses 64)
     * @throws IllegalArgumentException if m or s is out of range
     */
    public static MarginSoftmax loss(double m, double s) {
        return MarginSoftmax.builder().margin(Margins.arcFace(m)).negative(hardNegatives(m)).state(RULE).scale(s)
                .build();
    }

    /**
     * g(c, f_y) = c (t + c) if c &gt; cos(theta_y + m), else c; t starts at 0 and is set each step by the state rule.
     */
    static NegativeTransform hardNegatives(double m) {
        Expr mm = param("m", m);
        Expr yCosine = Margins.clampedCosine(add(TARGET, mul(mm, sin(sub(constant(Math.PI), mm)))));
        Expr threshold = select(lt(TARGET, constant(-1)), Margins.cosThetaPlus(yCosine, mm), TARGET);
        return new NegativeTransform("curricular(m=" + m + ", t)",
                select(gt(COSINE, threshold), mul(COSINE, add(param(T, 0), COSINE)), COSINE), Map.of("m", m, T, 0.0));
    }
}
