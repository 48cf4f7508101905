package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.spec.Exprs;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testsupport.UserDefinedLosses;

/**
 * A margin that reads the feature norm |x_i|: the reference's gradient, including the path through the norm, against
 * finite differences; with the norm declared constant, no gradient flows along x^_i; the layer methods, which see
 * cosines only, refuse such a loss.
 */
class NormPathTest {

    private static final Backend REFERENCE = Backends.named("reference");
    private static final MarginSoftmax NORM = MarginSoftmax.builder().margin(UserDefinedLosses.normMargin()).scale(8)
            .build();
    private static final MarginSoftmax CONSTANT_NORM = MarginSoftmax.builder()
            .margin(UserDefinedLosses.normMargin().withConstantNorm()).scale(8).build();

    @Property(tries = 200, seed = "12")
    void gradientThroughTheNormMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        Assume.that(GradientCheck.distanceToKinks(NORM, REFERENCE, p) > 0.02);
        GradientCheck.assertGradientsMatchFiniteDifferences(REFERENCE, NORM, p);
    }

    @Property(tries = 100, seed = "14")
    void aNormRegularizerAddsItsValueAndGradient(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        MarginSoftmax magFace = UserDefinedLosses.magFaceLike(0.5);
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        Assume.that(GradientCheck.distanceToKinks(magFace, REFERENCE, p) > 0.02);
        double loss = REFERENCE.forward(magFace, p.features(), p.weights(), p.labels(), dim).loss();
        double regularizer = 0;
        for (int i = 0; i < batch; i++) {
            double a = Math.min(8, Math.max(0.25, Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(
                    p.features(), i * dim, dim))));
            regularizer += 0.5 * (1 / a + a / 64) / batch;
        }
        assertEquals(REFERENCE.forward(NORM, p.features(), p.weights(), p.labels(), dim).loss() + regularizer, loss,
                1e-12 * Math.max(1, loss));
        GradientCheck.assertGradientsMatchFiniteDifferences(REFERENCE, magFace, p);
    }

    @Property(tries = 50, seed = "13")
    void aConstantNormSendsNoGradientAlongTheFeature(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        float[] gx = new float[p.features().length];
        double loss = REFERENCE.forwardBackward(CONSTANT_NORM, p.features(), p.weights(), p.labels(), dim, gx, null)
                .loss();
        assertEquals(REFERENCE.forward(NORM, p.features(), p.weights(), p.labels(), dim).loss(), loss, 0,
                "the same forward value");
        for (int i = 0; i < batch; i++) {
            double along = 0;
            double norm = 0;
            double size = 0;
            for (int k = 0; k < dim; k++) {
                along += gx[i * dim + k] * p.features()[i * dim + k];
                norm += p.features()[i * dim + k] * p.features()[i * dim + k];
                size += gx[i * dim + k] * gx[i * dim + k];
            }
            assertEquals(0, along / Math.sqrt(norm), 1e-6 * Math.sqrt(size) + 1e-12, "row " + i);
        }
    }

    @Property(tries = 1)
    void theSpecSaysWhetherTheNormIsReadAndDifferentiated() {
        assertTrue(NORM.spec().readsNorm() && NORM.spec().hasNormPath());
        assertTrue(CONSTANT_NORM.spec().readsNorm());
        assertFalse(CONSTANT_NORM.spec().hasNormPath());
        assertFalse(LossCatalogue.named("arcface").spec().readsNorm());
        assertThrows(IllegalStateException.class, () -> NORM.spec().target(0.5));
    }

    @Property(tries = 1)
    void layerMethodsRefuseALossThatReadsTheNorm() {
        float[] c = {0.5f, 0.1f, -0.2f};
        int[] y = {0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> REFERENCE.marginForward(NORM, c, y, new float[3]));
        assertTrue(e.getMessage().contains("feature norm"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> REFERENCE.marginBackward(NORM, c, y, new float[3], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> REFERENCE.scaledSoftmaxCrossEntropy(
                UserDefinedLosses.magFaceLike(1), 8, c, y, new float[3]));
    }

    @Property(tries = 1)
    void aUserMarginMustStayBoundedForEveryAcceptedNorm() {
        LossParameter k = new LossParameter("k", 1, 0, 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Margin.of("c-times-norm",
                Exprs.mul(Exprs.COSINE, Exprs.mul(k.expr(), Exprs.FEATURE_NORM)), k));
        assertTrue(e.getMessage().contains("|x|"), e.getMessage());
    }
}
