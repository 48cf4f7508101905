package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.LOG_PROB;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.exp;
import static org.marginkernels.spec.Exprs.expm1;
import static org.marginkernels.spec.Exprs.ge;
import static org.marginkernels.spec.Exprs.le;
import static org.marginkernels.spec.Exprs.log;
import static org.marginkernels.spec.Exprs.lt;
import static org.marginkernels.spec.Exprs.max;
import static org.marginkernels.spec.Exprs.min;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.neg;
import static org.marginkernels.spec.Exprs.pow;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sqrt;
import static org.marginkernels.spec.Exprs.straightThrough;
import static org.marginkernels.spec.Exprs.sub;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.KernelSpec;

/**
 * The compiled negative-transform kernels against the spec's double evaluators, for a transform that uses every
 * operator of the IR and depends on f_y (so the dg/df_y path, zero for the catalogue's SV family, is exercised),
 * on row lengths around the vector length.
 */
class NegativeCodeContractTest extends CpuTestSupport {

    // g(c, fy) touches NEG, SQRT, EXP, EXPM1, LOG, COS, SIN, ACOS, ADD, SUB, MUL, DIV, MIN, MAX, POW, all four
    // comparisons and a straight-through node; it stays smooth and O(1) on c in [-1, 1], fy in [-1, 1]
    private static final Expr G = addRest();

    private static Expr addRest() {
        Expr core = add(
                select(lt(COSINE, TARGET), mul(constant(1.3), COSINE),
                        select(le(COSINE, constant(0.9)), add(COSINE, mul(constant(0.2), TARGET)),
                                select(ge(TARGET, constant(0.95)), sub(COSINE, TARGET), COSINE))),
                mul(constant(0.05), add(
                        add(sin(COSINE), cos(mul(COSINE, TARGET))),
                        add(div(expm1(mul(constant(0.3), COSINE)), add(constant(2), TARGET)),
                                sub(log(add(constant(2.5), COSINE)), acos(clamp(mul(constant(0.5), TARGET),
                                        constant(-0.9), constant(0.9))))))));
        Expr extra = mul(constant(0.01), add(
                add(sqrt(add(constant(1.5), COSINE)), exp(neg(mul(COSINE, TARGET)))),
                add(pow(add(constant(1.5), COSINE), constant(1.5)),
                        sub(min(COSINE, TARGET), max(COSINE, mul(constant(0.5), TARGET))))));
        return add(core, straightThrough(extra, extra));
    }

    @Test
    void compiledNegativeMatchesScalarEvaluation() {
        KernelSpec spec = new KernelSpec(COSINE, G, neg(LOG_PROB));
        CpuKernels k = kernels(0);
        check(spec, k, k.compile(spec));
    }

    @Test
    void alternativeCompilationMatchesScalarEvaluation() {
        KernelSpec spec = new KernelSpec(COSINE, G, neg(LOG_PROB));
        CpuKernels k = kernels(0);
        check(spec, k, k.compileAlternative(spec));
    }

    private static void check(KernelSpec spec, CpuKernels k, NegativeCode code) {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int n : new int[] {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100}) {
            float[] c = new float[n + 2];
            float[] df = new float[n + 2];
            for (int j = 0; j < c.length; j++) {
                c[j] = (float) (r.nextDouble() * 2 - 1);
                df[j] = (float) (r.nextDouble() * 2 - 1);
            }
            float fy = (float) (r.nextDouble() * 2 - 1);
            float s = 16;
            float lse = 20;
            float coef = 0.7f;
            // a label smoothing mass of the order of the p_j here (e^(16 g - 20) <= 0.02), so p - q changes sign
            float q = 0.01f;
            float[] z = new float[n + 2];
            float[] grad = new float[n + 2];
            float[] chained = new float[n + 2];
            k.logits(code, c, 1, n, fy, s, z, 1);
            k.softmaxGradient(code, c, 1, n, fy, s, lse, coef, q, grad, 1);
            k.chain(code, c, 1, df, 1, n, fy, chained, 1);
            double pathSum = 0;
            double pathDot = 0;
            double sum = 0;
            for (int j = 1; j <= n; j++) {
                double g = spec.negative(c[j], fy);
                double dg = spec.negativeGradient(c[j], fy);
                double p = Math.exp(s * g - lse);
                // one float rounding per operator of G, about 40 of them, relative to values of order 1
                double tol = 64 * EPS;
                assertEquals(s * g, z[j], tol * s, "logits n=" + n + " j=" + j);
                assertEquals(-coef * (p - q) * dg, grad[j], tol * s * Math.abs(coef * (p + q)), "softmaxGradient");
                assertEquals(df[j] * dg, chained[j], tol * 2, "chain");
                pathSum += (p - q) * spec.negativeTargetGradient(c[j], fy);
                sum += g;
                pathDot += df[j] * spec.negativeTargetGradient(c[j], fy);
            }
            assertEquals(0f, z[0], "logits wrote before the row");
            assertEquals(0f, z[n + 1], "logits wrote past the row");
            assertEquals(pathSum, k.targetPathSum(code, c, 1, n, fy, s, lse, q),
                    64 * EPS * s * n * (Math.exp(s - lse) + q), "targetPathSum n=" + n);
            assertEquals(sum, k.logitSum(code, c, 1, n, fy), 64 * EPS * n, "logitSum n=" + n);
            assertEquals(pathDot, k.targetPathDot(code, c, 1, df, 1, n, fy), 64 * EPS * n, "targetPathDot n=" + n);
        }
    }

    @Test
    void identityNeedsNoCode() {
        KernelSpec spec = new KernelSpec(COSINE, null, neg(LOG_PROB));
        assertEquals(null, kernels(0).compile(spec));
    }
}
