package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;

/**
 * Label smoothing as torch's cross_entropy(label_smoothing = epsilon): each row's loss is
 * (1 - epsilon) (-log p_y) + epsilon mean_j (-log p_j) over every class, on the margined logits. The reference is
 * checked here against that definition written out from the layer-level kernels (cosines, then the margin, then a
 * log-softmax in double), and against finite differences; the fast backends are checked against the reference by
 * the cross-backend suites, which run the catalogue's label smoothing entries fused and through the layer methods.
 */
class LabelSmoothingTest {

    private static final Backend REFERENCE = Backends.named("reference");
    private static final MarginSoftmax ARC = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build();

    @Property(tries = 80, seed = "41")
    void rowLossesAreTheSmoothedCrossEntropyOfTheMarginedLogits(@ForAll @IntRange(min = 1, max = 7) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 2, max = 9) int classes,
            @ForAll @DoubleRange(min = 0, max = 1) double epsilon, @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        MarginSoftmax loss = ARC.toBuilder().labelSmoothing(epsilon).reduction(Reduction.NONE).build();
        LossResult r = REFERENCE.forward(loss, p.features(), p.weights(), p.labels(), dim);

        float[] cos = new float[batch * classes];
        REFERENCE.cosineLogits(p.features(), p.weights(), dim, cos);
        float[] margined = new float[batch * classes];
        REFERENCE.marginForward(loss, cos, p.labels(), margined);
        for (int i = 0; i < batch; i++) {
            int y = p.labels()[i];
            if (y < 0) {
                assertEquals(0, r.rowLosses().get(i), 0, "an ignored row");
                continue;
            }
            // margined values are rounded to float by the layer method; the fused reference keeps them in double
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, 16.0 * margined[i * classes + j]);
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(16.0 * margined[i * classes + j] - max);
            }
            double lse = max + Math.log(sum);
            double uniform = 0;
            for (int j = 0; j < classes; j++) {
                uniform += (lse - 16.0 * margined[i * classes + j]) / classes;
            }
            double expected = (1 - epsilon) * (lse - 16.0 * margined[i * classes + y]) + epsilon * uniform;
            // float rounding of the margined logits: 16 * 2^-24 per logit, times at most 2 for the two terms
            assertEquals(expected, r.rowLosses().get(i), 4e-6 * Math.max(1, expected), "row " + i);
        }
    }

    @Property(tries = 60, seed = "42")
    void smoothedGradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 2, max = 6) int classes,
            @ForAll @DoubleRange(min = 0, max = 1) double epsilon, @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        MarginSoftmax loss = ARC.toBuilder().labelSmoothing(epsilon).build();
        Assume.that(GradientCheck.distanceToKinks(loss, REFERENCE, p) > 0.02);
        GradientCheck.assertGradientsMatchFiniteDifferences(REFERENCE, loss, p);
    }

    @Property(tries = 1)
    void fullSmoothingIsTheUniformCrossEntropy() {
        // epsilon = 1: every class is the target with weight 1 / C, so the loss is mean_j -log p_j, whatever the label
        MarginSoftmax uniform = MarginSoftmax.builder().scale(4).labelSmoothing(1).build();
        float[] w = {1, 0, 0, 1, -1, 0};
        float[] x = {2, 1};
        LossResult r = REFERENCE.forward(uniform, x, w, new int[] {0}, 2);
        double c0 = 2 / Math.sqrt(5);
        double c1 = 1 / Math.sqrt(5);
        double c2 = -2 / Math.sqrt(5);
        double lse = Math.log(Math.exp(4 * c0) + Math.exp(4 * c1) + Math.exp(4 * c2));
        double expected = lse - 4 * (c0 + c1 + c2) / 3;
        assertEquals(expected, r.loss(), 1e-12);
        assertEquals(r.loss(), REFERENCE.forward(uniform, x, w, new int[] {2}, 2).loss(), 1e-12,
                "with epsilon = 1 the label does not matter");
    }

    @Property(tries = 1)
    void badSettingsAreRefused() {
        MarginSoftmax.Builder b = MarginSoftmax.builder();
        for (double bad : new double[] {-0.1, 1.1, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.labelSmoothing(bad));
            assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        }
        IllegalArgumentException focal = assertThrows(IllegalArgumentException.class,
                () -> MarginSoftmax.builder().focal(2).labelSmoothing(0.1).build());
        assertTrue(focal.getMessage().contains("focal"), focal.getMessage());
    }
}
