package org.marginkernels.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;

/**
 * The naive EJML baseline computes the same loss and gradients as the double-precision reference backend, so the
 * speedups measured against it compare like with like.
 *
 * <p>Tolerance: EJML works in float (unit roundoff u = 6e-8). A cosine is a dot of D terms, error about D u; the
 * logits multiply it by s = 64, and the loss is a log-sum-exp over C terms accumulated in float, so the loss may
 * differ by about s D u + C u, below 4e-4 for D, C &lt;= 320 with a factor 2 to spare; we allow 1e-3 absolute
 * plus 1e-5 relative. Gradients are compared against their largest magnitude: each entry is a sum of C (or B)
 * products of float values, so 2e-3 of the largest entry leaves room for s D u per cosine plus the GEMM sums
 * while still catching a wrong sign, a missing f'(c) or a missing normalization term (all O(1) relative errors).
 */
class NaiveEjmlMarginLossTest {

    private static final double LOSS_ABS = 1e-3;
    private static final double LOSS_REL = 1e-5;
    private static final double GRAD_REL_TO_MAX = 2e-3;

    @Property(tries = 40, seed = "7")
    void matchesReferenceOnRandomProblems(@ForAll @IntRange(min = 1, max = 9) int batch,
            @ForAll @IntRange(min = 1, max = 70) int dim, @ForAll @IntRange(min = 2, max = 320) int classes,
            @ForAll long seed) {
        LossProblem problem = LossProblem.random(new Shape(batch, dim, classes), seed);
        assertMatchesReference(problem);
    }

    @Test
    void matchesReferenceOnTheFallbackBranch() {
        // each feature points away from its target class: c = -1 < cos(pi - m), so f(c) = c - m sin(pi - m)
        LossProblem problem = LossProblem.random(new Shape(4, 16, 12), 11);
        float[] x = problem.features();
        float[] w = problem.weights();
        for (int i = 0; i < 4; i++) {
            int y = problem.labels()[i];
            for (int k = 0; k < 16; k++) {
                x[i * 16 + k] = -2 * w[y * 16 + k];
            }
        }
        assertMatchesReference(problem);
    }

    @Test
    void targetMatchesArcFaceFormulaAndGradient() {
        NaiveEjmlMarginLoss loss = new NaiveEjmlMarginLoss(0.5, 64, false);
        float c = 0.3f;
        double theta = Math.acos(c);
        assertEquals(Math.cos(theta + 0.5), loss.target(c), 1e-6, "cos(theta + m)");
        // d cos(acos(c) + m) / dc = sin(theta + m) / sin(theta)
        assertEquals(Math.sin(theta + 0.5) / Math.sin(theta), loss.targetGradient(c), 1e-5, "df/dc");
        assertEquals(-0.95 - 0.5 * Math.sin(Math.PI - 0.5), loss.target(-0.95f), 1e-6, "fallback below cos(pi-m)");
        assertEquals(1.0, loss.targetGradient(-0.95f), 0, "fallback slope");
    }

    private static void assertMatchesReference(LossProblem p) {
        int dim = p.shape().dim();
        float[] refFeatureGrad = new float[p.features().length];
        float[] refWeightGrad = new float[p.weights().length];
        LossResult expected;
        try (Backend reference = Backends.named("reference")) {
            expected = reference.forwardBackward(ArcFaceLosses.arcFace(), p.features(), p.weights(), p.labels(), dim,
                    refFeatureGrad, refWeightGrad);
        }
        for (boolean concurrent : new boolean[] {false, true}) {
            NaiveEjmlMarginLoss naive = new NaiveEjmlMarginLoss(ArcFaceLosses.MARGIN, ArcFaceLosses.SCALE, concurrent);
            LossResult actual = naive.forwardBackward(p.features(), p.weights(), p.labels(), dim, p.featureGrad(),
                    p.weightGrad());
            String where = "shape " + p.shape() + ", concurrent=" + concurrent;
            assertEquals(expected.loss(), actual.loss(), LOSS_ABS + LOSS_REL * Math.abs(expected.loss()),
                    "loss at " + where);
            assertEquals(expected.rows(), actual.rows(), "rows at " + where);
            assertClose(refFeatureGrad, p.featureGrad(), "dL/dfeatures at " + where);
            assertClose(refWeightGrad, p.weightGrad(), "dL/dweights at " + where);
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        double max = 0;
        for (float e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double tolerance = GRAD_REL_TO_MAX * max + 1e-12;
        for (int k = 0; k < expected.length; k++) {
            double diff = Math.abs(expected[k] - actual[k]);
            int index = k;
            assertTrue(diff <= tolerance, () -> what + "[" + index + "]: expected " + expected[index] + ", got "
                    + actual[index] + " (|diff| " + diff + " > " + tolerance + ")");
        }
    }
}
