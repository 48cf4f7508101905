package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;
import org.marginkernels.testsupport.UserDefinedLosses;

/**
 * Per-row margins m_i from a state rule: each row is the loss at its own margin, the gradient (m_i a constant)
 * matches finite differences, and a rule's margins out of range are refused.
 */
class RowMarginTest {

    private static final Backend REFERENCE = Backends.named("reference");
    private static final MarginSoftmax LOSS = UserDefinedLosses.rowMarginLoss(0.3, UserDefinedLosses.fixedRowMargins());

    /** The margins {@link UserDefinedLosses#fixedRowMargins()} gives, as explicit per-row values. */
    private static double[] fixedMargins(int batch) {
        double[] m = new double[batch];
        for (int i = 0; i < batch; i++) {
            m[i] = 0.06 * (i % 5) - 0.12;
        }
        return m;
    }

    @Property(tries = 100, seed = "21")
    void eachRowIsTheLossAtItsOwnMargin(@ForAll @IntRange(min = 1, max = 7) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        double total = REFERENCE.step(LOSS, LossState.empty(), p.features(), p.weights(), p.labels(), dim, null, null)
                .result().loss() * batch;
        double sum = 0;
        for (int i = 0; i < batch; i++) {
            MarginSoftmax at = MarginSoftmax.builder().margin(Margins.combined(1, 0.3 + 0.06 * (i % 5) - 0.12, 0))
                    .scale(30).build();
            float[] row = java.util.Arrays.copyOfRange(p.features(), i * dim, (i + 1) * dim);
            sum += REFERENCE.forward(at, row, p.weights(), new int[] {p.labels()[i]}, dim).loss();
        }
        assertEquals(sum, total, 1e-9 * Math.max(1, Math.abs(sum)));
    }

    @Property(tries = 100, seed = "22")
    void gradientWithRowMarginsMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        MarginSoftmax bound = LOSS.withRowMargins(fixedMargins(batch));
        Assume.that(GradientCheck.distanceToKinks(bound, REFERENCE, p) > 0.02);
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        StepResult r = REFERENCE.step(LOSS, LossState.empty(), p.features(), p.weights(), p.labels(), dim, gx, gw);
        assertEquals(REFERENCE.forward(bound, p.features(), p.weights(), p.labels(), dim).loss(), r.result().loss(),
                0);
        float[][] numeric = GradientCheck.numericGradients(REFERENCE, bound, p);
        double scale = Math.max(Tolerance.maxAbs(numeric[0]), Tolerance.maxAbs(numeric[1]));
        // the step's gradients (through Backend.step), against finite differences of the bound loss
        Tolerance.assertClose("dL/dfeatures", numeric[0], gx, 2e-5 * scale + 1e-9, 1e-4);
        Tolerance.assertClose("dL/dweights", numeric[1], gw, 2e-5 * scale + 1e-9, 1e-4);
    }

    @Property(tries = 40, seed = "23")
    void explicitRowMarginsGiveWhatTheRuleGives(@ForAll @IntRange(min = 1, max = 6) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes);
        double[] exact = fixedMargins(batch);
        float[] m = new float[batch];
        for (int i = 0; i < batch; i++) {
            m[i] = (float) exact[i];
        }
        MarginSoftmax plain = UserDefinedLosses.rowMarginLoss(0.3, UserDefinedLosses.fixedRowMargins());
        // without a rule of its own the explicit values are used; the rule's margins equal them up to float rounding
        MarginSoftmax explicit = MarginSoftmax.builder().margin(plain.margin()).scale(30).build().withRowMargins(m);
        double viaRule = REFERENCE.step(plain, LossState.empty(), p.features(), p.weights(), p.labels(), dim, null,
                null).result().loss();
        double viaExplicit = REFERENCE.forward(explicit, p.features(), p.weights(), p.labels(), dim).loss();
        assertEquals(viaRule, viaExplicit, 1e-6 * Math.max(1, viaRule));
        assertThrows(IllegalArgumentException.class, () -> REFERENCE.forward(explicit, p.features(), p.weights(),
                java.util.Arrays.copyOf(p.labels(), batch + 1), dim));
    }

    @Property(tries = 1)
    void aRuleMayNotGiveMarginsBeyondTheCheckedRange() {
        StateRule wild = new StateRule() {
            @Override
            public LossState beforeStep(LossState previous, BatchStatistics batch) {
                return previous;
            }

            @Override
            public java.util.Map<String, Double> parameters(LossState state) {
                return java.util.Map.of();
            }

            @Override
            public double[] rowMargins(LossState state, BatchStatistics batch) {
                return new double[] {5};
            }
        };
        MarginSoftmax loss = UserDefinedLosses.rowMarginLoss(0.3, wild);
        assertThrows(IllegalStateException.class, () -> REFERENCE.step(loss, LossState.empty(), new float[] {1, 0},
                new float[] {1, 0, 0, 1, -1, 0}, new int[] {0}, 2, null, null));
    }
}
