package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The explicit loss state: CurricularFace's t and dynamic AdaCos's scale advance through {@link Backend#step}. */
class LossStateTest {

    private final Backend ref = Backends.named("reference");
    private final float[] w = {1, 0, 0, 1, -1, 0.5f};
    private final float[] x = {2, 1, 0.5f, 3, -1, -1};
    // row 0's target is class 1, and class 0 (cosine 0.89) is a hard negative for it; row 2 is ignored
    private final int[] y = {1, 0, -1};

    private double cosine(int row, int cls) {
        double dot = x[2 * row] * w[2 * cls] + x[2 * row + 1] * w[2 * cls + 1];
        return dot / Math.hypot(x[2 * row], x[2 * row + 1]) / Math.hypot(w[2 * cls], w[2 * cls + 1]);
    }

    @Test
    void curricularFaceUpdatesTBeforeUseFromTheCountedRows() {
        MarginSoftmax loss = CurricularFace.loss(0.5, 16);
        double mean = (cosine(0, 1) + cosine(1, 0)) / 2;
        StepResult first = ref.step(loss, LossState.empty(), x, w, y, 2, null, null);
        assertEquals(0.01 * mean, first.state().get(CurricularFace.T, Double.NaN), 1e-15);
        StepResult second = ref.step(loss, first.state(), x, w, y, 2, null, null);
        assertEquals(0.01 * mean + 0.99 * 0.01 * mean, second.state().get(CurricularFace.T, Double.NaN), 1e-15);
        // the step used the updated t: the same loss as a stateless call of the bound loss
        assertEquals(ref.forward(loss.bind(second.state()), x, w, y, 2).loss(), second.result().loss(), 0);
        assertNotEquals(ref.forward(loss, x, w, y, 2).loss(), second.result().loss());
    }

    @Test
    void aBatchOfIgnoredRowsGivesZerosAndLeavesEveryStateUnchanged() {
        int[] none = {-1, -1, -1};
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue();
            float[] wk = subCenters(w, loss.subCenters());
            LossState after = ref.step(loss, LossState.empty(), x, wk, y, 2, null, null).state();
            float[] gx = {9, 9, 9, 9, 9, 9};
            float[] gw = new float[wk.length];
            java.util.Arrays.fill(gw, 9);
            StepResult r = ref.step(loss, after, x, wk, none, 2, gx, gw);
            assertEquals(0, r.result().loss(), 0, e.getKey());
            assertEquals(0, r.result().rows(), e.getKey());
            assertEquals(after, r.state(), e.getKey());
            for (int k = 0; k < gx.length; k++) {
                assertEquals(0f, gx[k], e.getKey());
            }
            for (int k = 0; k < gw.length; k++) {
                assertEquals(0f, gw[k], e.getKey());
            }
        }
    }

    /** Each class row of dim 2 repeated k times: k identical sub-centers per class. */
    private static float[] subCenters(float[] rows, int k) {
        float[] out = new float[rows.length * k];
        for (int r = 0; r < rows.length / 2; r++) {
            for (int c = 0; c < k; c++) {
                System.arraycopy(rows, 2 * r, out, 2 * (r * k + c), 2);
            }
        }
        return out;
    }

    @Test
    void bindingKeepsTheStructureSoNothingRecompiles() {
        MarginSoftmax loss = CurricularFace.loss(0.5, 64);
        MarginSoftmax bound = loss.bind(new LossState(Map.of(CurricularFace.T, 0.3)));
        assertEquals(loss.spec().negativeArguments().structure(), bound.spec().negativeArguments().structure());
        assertEquals(0.3, bound.negative().parameters().get(CurricularFace.T), 0);
    }

    @Test
    void aStatelessLossStepsLikeForwardBackwardAndKeepsItsState() {
        MarginSoftmax arcFace = LossCatalogue.named("arcface");
        LossState state = new LossState(Map.of("unrelated", 1.0));
        StepResult r = ref.step(arcFace, state, x, w, y, 2, null, null);
        assertSame(state, r.state());
        assertEquals(ref.forward(arcFace, x, w, y, 2).loss(), r.result().loss(), 0);
        assertSame(arcFace, arcFace.bind(state));
    }

    @Test
    void statesHoldFiniteValuesOnlyAndStepsNeedOne() {
        assertThrows(IllegalArgumentException.class, () -> new LossState(Map.of("t", Double.NaN)));
        assertThrows(IllegalArgumentException.class, () -> LossState.empty().with("t", Double.POSITIVE_INFINITY));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ref.step(CurricularFace.loss(0.5, 64), null, x, w, y, 2, null, null));
        assertEquals(true, e.getMessage().contains("state"), e.getMessage());
    }
}
