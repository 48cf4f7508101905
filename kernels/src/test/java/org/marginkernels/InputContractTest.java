package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;
import org.marginkernels.spec.ScalarEvaluator;
import org.marginkernels.spi.RowCheck;

/** The pieces of the input contract that live in the kernels module, each at its boundary. */
class InputContractTest {

    @Test
    void rowNormBoundsAreInclusiveAndBothEnforced() {
        double min = RowCheck.MIN_NORM;
        assertTrue(RowCheck.passes(min * (1 + 1e-9) * min * (1 + 1e-9)));
        assertFalse(RowCheck.passes(min * (1 - 1e-9) * min * (1 - 1e-9)));
        assertTrue(RowCheck.passes(0x1p252));
        assertFalse(RowCheck.passes(0x1p252 * (1 + 1e-12)));
        assertFalse(RowCheck.passes(Double.NaN));
        assertFalse(RowCheck.passes(Double.POSITIVE_INFINITY));
        assertTrue(RowCheck.nearBound(1.005e-30));
        assertTrue(RowCheck.nearBound(0x1p252 * 0.995));
        assertFalse(RowCheck.nearBound(1));
    }

    @Test
    void canonicalSumOfSquaresNeverOverflows() {
        float[] row = new float[70];
        java.util.Arrays.fill(row, Float.MAX_VALUE);
        double sum = RowCheck.sumOfSquares(row, 0, row.length);
        assertEquals(70.0 * Float.MAX_VALUE * Float.MAX_VALUE, sum, 1e-12 * sum);
        IllegalArgumentException e = RowCheck.failure("weights", row, 70, 0, sum);
        assertTrue(e.getMessage().contains("weights row 0") && e.getMessage().contains("2^126"), e.getMessage());
    }

    @Test
    void scalesAboveTheBoundAreRejectedAndAdaCosIsClamped() {
        assertThrows(IllegalArgumentException.class, () -> ScalePolicy.fixed(Math.nextUp(ScalePolicy.MAX_SCALE)));
        assertEquals(ScalePolicy.MAX_SCALE, ((ScalePolicy.Fixed) ScalePolicy.fixed(ScalePolicy.MAX_SCALE)).scale());
        assertThrows(IllegalArgumentException.class, () -> new ScalePolicy.AdaCosDynamic(2e6));
        // non-target cosines of 1 at s_prev = 1e6: log B_avg ~ 1e6, theta_med = 0 -> s ~ 1e6 / cos(0) * ... > bound
        double s = AdaCosScale.compute(ScalePolicy.MAX_SCALE, new double[] {2e6, 2e6}, new double[] {1, 1}, 2);
        assertEquals(ScalePolicy.MAX_SCALE, s);
    }

    @Test
    void comparisonsAreDecidedOnFloats() {
        // c > f_y with f_y = 1 - 1e-12 in double but 1 in float: not greater, as on a float backend
        Expr cond = Exprs.select(Exprs.gt(Exprs.COSINE, Exprs.TARGET), Exprs.constant(1), Exprs.constant(0));
        assertEquals(0, ScalarEvaluator.compile(cond).apply(1, 1 - 1e-12));
        assertEquals(1, ScalarEvaluator.compile(cond).apply(1, 1 - 1e-7));
    }
}
