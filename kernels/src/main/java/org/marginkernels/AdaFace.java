package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.FEATURE_NORM;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Map;
import org.marginkernels.spec.Expr;

/**
 * AdaFace (Kim et al., "AdaFace: Quality Adaptive Margin for Face Recognition", CVPR 2022, eq. 11-13), as the authors'
 * code computes it (mk-minchul/AdaFace, head.py, class AdaFace):
 * <ul>
 *   <li>every cosine is clamped to [-1 + 1e-3, 1 - 1e-3] (the non-targets too: a negative transform);</li>
 *   <li>the feature norm, clipped to [0.001, 100] and detached, is normalized by running batch statistics:
 *       s_i = clip(h (|x_i| - mu) / (sigma + 1e-3), -1, 1);</li>
 *   <li>the target is cos(clip(theta - m s_i, 1e-3, pi - 1e-3)) - (m + m s_i);</li>
 *   <li>before each step's forward pass mu &lt;- alpha mean + (1 - alpha) mu and sigma &lt;- alpha std +
 *       (1 - alpha) sigma over the batch's clipped norms (std unbiased, as torch.std), from mu = 20, sigma = 100.</li>
 * </ul>
 * Policies where the code is silent: ignored rows take no part in the statistics; a batch of no counted row leaves
 * the state unchanged, and one of a single row (whose std is undefined, NaN in the code) updates mu only.
 *
 * <p>Written as data: a margin reading the feature norm as a constant ({@link Margin#withConstantNorm()}), a
 * negative transform, and a {@link StateRule} setting the parameters {@value #MEAN} and {@value #STD}.
 */
public final class AdaFace {

    /** The state entry and parameter: the running mean of the clipped feature norms. */
    public static final String MEAN = "adaface.batch-mean";
    /** The state entry and parameter: the running standard deviation of the clipped feature norms. */
    public static final String STD = "adaface.batch-std";
    /** The code's eps: the cosine clamp, the angle clip and the std guard. */
    static final double EPS = 1e-3;

    private AdaFace() {
    }

    /** AdaFace with the paper's defaults: m = 0.4, h = 0.333, alpha = 0.01, at scale s. */
    public static MarginSoftmax loss(double s) {
        return loss(0.4, 0.333, 0.01, s);
    }

    /**
     * AdaFace.
     *
     * @param m the margin, in [0, 1]
     * @param h the concentration of the norm scaler, in [0, 10]
     * @param alpha the weight of a new batch in the running statistics (the code's t_alpha), in (0, 1]
     * @param s the scale, in (0, {@link ScalePolicy#MAX_SCALE}]
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public static MarginSoftmax loss(double m, double h, double alpha, double s) {
        Margins.check("m", m, 0, 1);
        Margins.check("h", h, 0, 10);
        Margins.check("alpha", alpha, Double.MIN_VALUE, 1);
        Expr mm = param("m", m);
        Expr safeNorm = clamp(FEATURE_NORM, constant(0.001), constant(100));
        Expr scaler = clamp(mul(div(sub(safeNorm, param(MEAN, 20)), add(param(STD, 100), constant(EPS))),
                param("h", h)), constant(-1), constant(1));
        Expr theta = acos(clamp(COSINE, constant(-1 + EPS), constant(1 - EPS)));
        Expr thetaM = clamp(sub(theta, mul(mm, scaler)), constant(EPS), constant(Math.PI - EPS));
        Expr target = sub(cos(thetaM), add(mm, mul(mm, scaler)));
        Margin margin = new Margin("adaface(m=" + m + ", h=" + h + ")", target,
                Map.of("m", m, "h", h, MEAN, 20.0, STD, 100.0)).withConstantNorm();
        NegativeTransform clamped = new NegativeTransform("adaface-clamp",
                clamp(COSINE, constant(-1 + EPS), constant(1 - EPS)), Map.of());
        return MarginSoftmax.builder().margin(margin).negative(clamped).state(new Statistics(alpha)).scale(s)
                .build();
    }

    /** The running batch statistics of the clipped feature norms. */
    private record Statistics(double alpha) implements StateRule {

        @Override
        public LossState beforeStep(LossState previous, BatchStatistics batch) {
            double mu = previous.get(MEAN, 20);
            double sigma = previous.get(STD, 100);
            double[] norms = batch.featureNorms();
            int n = norms.length;
            if (n == 0) {
                return previous;
            }
            double sum = 0;
            for (double a : norms) {
                sum += clip(a);
            }
            double mean = sum / n;
            LossState next = previous.with(MEAN, alpha * mean + (1 - alpha) * mu);
            if (n < 2) {
                return next.with(STD, sigma);
            }
            double squares = 0;
            for (double a : norms) {
                squares += (clip(a) - mean) * (clip(a) - mean);
            }
            return next.with(STD, alpha * Math.sqrt(squares / (n - 1)) + (1 - alpha) * sigma);
        }

        private static double clip(double norm) {
            return Math.min(100, Math.max(0.001, norm));
        }

        @Override
        public Map<String, Double> parameters(LossState state) {
            return Map.of(MEAN, state.get(MEAN, 20), STD, state.get(STD, 100));
        }

        @Override
        public String toString() {
            return "adaface-norm-statistics(alpha=" + alpha + ")";
        }
    }
}
