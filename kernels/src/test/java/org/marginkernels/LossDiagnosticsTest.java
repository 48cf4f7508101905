package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The diagnostics of a pass: values from per-row quantities, and each warning firing exactly when it should. */
class LossDiagnosticsTest {

    private final Backend ref = Backends.named("reference");
    // two rows, targets at 0 and pi/2 from their class weights; three classes
    private final float[] w = {1, 0, 0, 1, -1, 0};
    private final float[] x = {1, 0, 1, 0};
    private final int[] y = {0, 1};

    private LossDiagnostics of(MarginSoftmax loss) {
        return ref.forward(loss, x, w, y, 2).diagnostics().orElseThrow();
    }

    @Test
    void anglesShareAndExtremesComeFromTheRows() {
        LossDiagnostics d = of(MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build());
        assertEquals(Math.PI / 4, d.meanTargetAngle(), 1e-7);
        assertEquals(Math.sqrt(2) * Math.PI / 4, d.targetAngleSpread(), 1e-7);
        assertEquals(0, d.branchShare(), 0);
        // row 0's target (cosine 1) is its top class, row 1's (cosine 0) is beaten by class 0 (cosine 1)
        assertEquals(0.5, d.top1Accuracy(), 0);
        assertTrue(d.smallestLogTargetProbability() < 0 && d.largestRowLogSumExp() > 0, d.toString());
        assertTrue(d.warnings().isEmpty(), d.warnings().toString());
    }

    @Test
    void aScaleBelowTheAdaCosBoundIsNamed() {
        LossDiagnostics d = of(MarginSoftmax.builder().scale(1).build());
        assertEquals(1, d.warnings().size(), d.warnings().toString());
        assertTrue(d.warnings().get(0).contains("AdaCos bound"), d.warnings().get(0));
        assertEquals(2.0 / 3 * Math.log(2 * 9), LossDiagnostics.adaCosBound(3), 1e-12);
    }

    @Test
    void targetsAllPastTheBranchAreNamed() {
        // both targets opposite their class: cos = -1 < cos(pi - 0.5)
        float[] far = {-1, 0, 0, -1};
        LossDiagnostics d = ref.forward(MarginSoftmax.builder().margin(Margins.combined(1, 0.5, 0)).scale(16).build(),
                far, w, y, 2).diagnostics().orElseThrow();
        assertEquals(1, d.branchShare(), 0);
        assertTrue(d.warnings().stream().anyMatch(s -> s.contains("main branch")), d.warnings().toString());
    }

    @Test
    void aTargetProbabilityBelowTheSmallestFloatIsNamed() {
        float[] far = {-1, 0, 0, -1};
        LossDiagnostics d = ref.forward(MarginSoftmax.builder().scale(1000).build(), far, w, y, 2).diagnostics()
                .orElseThrow();
        assertTrue(d.smallestLogTargetProbability() < LossDiagnostics.FLOAT_LOG_MIN, d.toString());
        assertTrue(d.warnings().stream().anyMatch(s -> s.contains("87.3365")), d.warnings().toString());
    }
}
