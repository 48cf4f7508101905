package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.exp;
import static org.marginkernels.spec.Exprs.mul;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.marginkernels.spec.Expr;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testsupport.UserDefinedLosses;

/** Margins and negative transforms built by users: what is rejected, and that an ArcFace written by hand is ArcFace. */
class UserDefinedLossTest {

    private static final Expr CLAMPED = clamp(COSINE, constant(-1 + Margins.COSINE_EPSILON),
            constant(1 - Margins.COSINE_EPSILON));

    @Test
    void handWrittenArcFaceEqualsTheBuiltIn() {
        MarginSoftmax mine = MarginSoftmax.builder().margin(UserDefinedLosses.arcFace(0.5)).scale(64).build();
        MarginSoftmax builtIn = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        Problem p = Problem.random(5, 7, 33, 65, 0.3, 0.1);
        try (Backend ref = Backends.named("reference")) {
            float[] g1 = new float[p.features().length];
            float[] g2 = new float[p.features().length];
            LossResult a = ref.forwardBackward(mine, p.features(), p.weights(), p.labels(), p.dim(), g1, null);
            LossResult b = ref.forwardBackward(builtIn, p.features(), p.weights(), p.labels(), p.dim(), g2, null);
            assertEquals(b.loss(), a.loss(), 1e-12 * Math.abs(b.loss()));
            for (int i = 0; i < g1.length; i++) {
                assertEquals(g2[i], g1[i], 1e-6 * (1e-3 + Math.abs(g2[i])), "dL/dx " + i);
            }
        }
    }

    @Test
    void parametersMustBeDeclaredAndInRange() {
        LossParameter m = new LossParameter("m", 0.5, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> new LossParameter("m", 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossParameter("m", 0.5, 1, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Margin.of("cos", add(COSINE, m.expr())));
        assertTrue(e.getMessage().contains("parameter m"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Margin.of("cos", add(COSINE, new LossParameter("m", 0.4, 0, 1).expr()), m));
        assertEquals(Map.of("m", 0.5), Margin.of("cos", add(COSINE, m.expr()), m).parameters());
    }

    @Test
    void aTargetMayReadOnlyTheCosine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Margin.of("reads fy", add(COSINE, TARGET)));
        assertTrue(e.getMessage().contains("fy"), e.getMessage());
    }

    @Test
    void unboundedOrUndefinedExpressionsAreRejected() {
        // acos of an unclamped cosine is NaN beyond 1, which the backends' cosines can reach by rounding
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Margin.of("unclamped", cos(acos(COSINE))));
        assertTrue(e.getMessage().contains("clamp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Margin.of("steep", exp(mul(constant(20), COSINE))));
        assertThrows(IllegalArgumentException.class,
                () -> NegativeTransform.of("steep", mul(constant(1e4), TARGET)));
        Margin.of("clamped", cos(acos(CLAMPED)));
    }
}
