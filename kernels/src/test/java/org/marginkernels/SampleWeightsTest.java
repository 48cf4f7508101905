package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;

/** Per-sample weights and reduction NONE: the reduction of the row losses, written once (LossResult.Reducer). */
class SampleWeightsTest {

    private static final Backend REFERENCE = Backends.named("reference");
    private static final MarginSoftmax ARC = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build();

    private static float[] weights(int batch, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] w = new float[batch];
        for (int i = 0; i < batch; i++) {
            w[i] = r.nextInt(4) == 0 ? 0 : (float) (0.25 + 2 * r.nextDouble());
        }
        return w;
    }

    @Property(tries = 60, seed = "31")
    void theWeightedLossIsTheWeightedMeanOfTheRowLosses(@ForAll @IntRange(min = 1, max = 7) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        LossResult rows = REFERENCE.forward(ARC.toBuilder().reduction(Reduction.NONE).build(), p.features(),
                p.weights(), p.labels(), dim);
        float[] w = weights(batch, seed);
        double expected = 0;
        for (int i = 0; i < batch; i++) {
            expected += w[i] * rows.rowLosses().get(i) / batch;
        }
        LossResult weighted = REFERENCE.forward(ARC.withSampleWeights(w), p.features(), p.weights(), p.labels(), dim);
        assertEquals(expected, weighted.loss(), 1e-12 * Math.max(1, expected));
        double sum = rows.rowLosses().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(sum, rows.loss(), 1e-12 * Math.max(1, sum), "NONE reports the sum");
        assertEquals(REFERENCE.forward(ARC.toBuilder().reduction(Reduction.SUM).build(), p.features(), p.weights(),
                p.labels(), dim).loss(), rows.loss(), 1e-12 * Math.max(1, sum));
    }

    @Property(tries = 60, seed = "32")
    void weightedGradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        MarginSoftmax loss = ARC.withSampleWeights(weights(batch, seed));
        Assume.that(GradientCheck.distanceToKinks(loss, REFERENCE, p) > 0.02);
        GradientCheck.assertGradientsMatchFiniteDifferences(REFERENCE, loss, p);
    }

    @Property(tries = 1)
    void ignoredRowsHaveZeroRowLossAndBadWeightsAreRefused() {
        float[] w = {1, 0, 0, 1, -1, 0};
        float[] x = {2, 1, 0.5f, 3};
        LossResult r = REFERENCE.forward(ARC.toBuilder().reduction(Reduction.NONE).build(), x, w,
                new int[] {0, -1}, 2);
        assertEquals(0, r.rowLosses().get(1), 0);
        assertTrue(r.rowLosses().get(0) > 0);
        assertEquals(List.of(), REFERENCE.forward(ARC, x, w, new int[] {0, 1}, 2).rowLosses());
        assertThrows(IllegalArgumentException.class, () -> ARC.withSampleWeights(new float[] {1, -1}));
        assertThrows(IllegalArgumentException.class, () -> ARC.withSampleWeights(new float[] {Float.NaN}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> REFERENCE.forward(ARC.withSampleWeights(new float[] {1, 1, 1}), x, w, new int[] {0, 1}, 2));
        assertTrue(e.getMessage().contains("sampleWeights"), e.getMessage());
    }
}
