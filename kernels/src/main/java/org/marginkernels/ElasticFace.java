package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ROW_MARGIN;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;

/**
 * ElasticFace (Boutros et al., "ElasticFace: Elastic Margin Loss for Deep Face Recognition", CVPRW 2022, eq. 4-6), as
 * the authors' code computes it (fdbtrs/ElasticFace, utils/losses.py, ElasticArcFace and ElasticCosFace): each
 * counted row gets its own margin m_i drawn from N(m, sigma) every step, and the target is cos(theta + m_i) (Arc, no
 * threshold fallback) or c - m_i (Cos). The draws come from a caller-given seed and the step number kept in the
 * {@link LossState}, so a run is reproducible; {@link #margins} computes them for any step.
 *
 * <p>"Plus" assigns the sorted margins by target cosine, the most similar row getting the smallest margin. The code
 * and the paper differ there: the code gives row i the margin at the position of the i-th largest cosine
 * ({@code margin[argsort(cos, descending)]}, {@link Assignment#PLUS_CODE}), the paper the margin of row i's own
 * rank ({@link Assignment#PLUS_PAPER}); both are offered, the code's is the default of the catalogue.
 *
 * <p>Written as data: a margin reading {@code Exprs.ROW_MARGIN} (here the deviation m_i - m, so a plain
 * {@code forwardBackward} without a step uses the mean margin m) and a {@link StateRule} supplying it.
 */
public final class ElasticFace {

    /** How the drawn margins are assigned to rows. */
    public enum Assignment {
        /** In draw order (ElasticArcFace / ElasticCosFace with plus = False). */
        RANDOM,
        /** Plus as the code computes it: row i gets sorted margin number argsort(cos, descending)[i]. */
        PLUS_CODE,
        /** Plus as the paper describes it: the row of the r-th largest target cosine gets the r-th smallest margin. */
        PLUS_PAPER
    }

    /** The state entry: the number of the step, from 1. */
    public static final String STEP = "elastic.step";

    private ElasticFace() {
    }

    /**
     * ElasticArcFace: f = cos(acos(c) + m_i), m_i ~ N(m, sigma).
     *
     * @param m the mean margin in radians, in [0, pi/2] (the code's default 0.5)
     * @param sigma the margins' standard deviation, in [0, 0.5] (the code's default 0.0125)
     * @param seed the seed of the margin draws
     * @param assignment how drawn margins are assigned to rows
     * @param s the scale, in (0, {@link ScalePolicy#MAX_SCALE}]
     * @throws IllegalArgumentException if a parameter is out of range
     */
    public static MarginSoftmax arc(double m, double sigma, long seed, Assignment assignment, double s) {
        Margins.check("m", m, 0, Math.PI / 2);
        Expr c = Margins.clampedCosine();
        Margin margin = new Margin("elastic-arc(m=" + m + ", sigma=" + sigma + ")",
                Exprs.cos(add(add(acos(c), param("m", m)), ROW_MARGIN)), Map.of("m", m))
                .withBranchThreshold(Math.cos(Math.PI - m));
        return build(margin, m, sigma, seed, assignment, s);
    }

    /**
     * ElasticCosFace: f = c - m_i, m_i ~ N(m, sigma).
     *
     * @param m the mean margin, in [0, 1] (the code's default 0.35)
     * @see #arc
     */
    public static MarginSoftmax cos(double m, double sigma, long seed, Assignment assignment, double s) {
        Margins.check("m", m, 0, 1);
        Margin margin = new Margin("elastic-cos(m=" + m + ", sigma=" + sigma + ")",
                sub(sub(COSINE, param("m", m)), ROW_MARGIN), Map.of("m", m));
        return build(margin, m, sigma, seed, assignment, s);
    }

    private static MarginSoftmax build(Margin margin, double m, double sigma, long seed, Assignment assignment,
            double s) {
        Margins.check("sigma", sigma, 0, 0.5);
        java.util.Objects.requireNonNull(assignment, "assignment");
        return MarginSoftmax.builder().margin(margin).state(new Draws(m, sigma, seed, assignment)).scale(s).build();
    }

    /**
     * The margins m_i of one step, one per counted row in order: n draws of N(m, sigma) from a generator seeded by
     * (seed, step), assigned as {@code assignment} says.
     *
     * @param targetCosines the counted rows' target cosines (read by the Plus assignments). Not modified.
     */
    public static double[] margins(long seed, long step, double m, double sigma, Assignment assignment,
            double[] targetCosines) {
        int n = targetCosines.length;
        SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * step));
        double[] drawn = new double[n];
        for (int i = 0; i < n; i++) {
            drawn[i] = m + sigma * random.nextGaussian();
        }
        if (assignment == Assignment.RANDOM) {
            return drawn;
        }
        double[] sorted = drawn.clone();
        Arrays.sort(sorted);
        // rows by target cosine, largest first (ties by row, so the order does not depend on the sort)
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -targetCosines[i]).thenComparingInt(i -> i));
        double[] assigned = new double[n];
        for (int r = 0; r < n; r++) {
            if (assignment == Assignment.PLUS_CODE) {
                assigned[r] = sorted[order[r]];
            } else {
                assigned[order[r]] = sorted[r];
            }
        }
        return assigned;
    }

    /** The step counter and the draws. */
    private record Draws(double m, double sigma, long seed, Assignment assignment) implements StateRule {

        @Override
        public LossState beforeStep(LossState previous, BatchStatistics batch) {
            // a batch of no counted row draws nothing and leaves the state unchanged
            return batch.rows() == 0 ? previous : previous.with(STEP, previous.get(STEP, 0) + 1);
        }

        @Override
        public Map<String, Double> parameters(LossState state) {
            return Map.of();
        }

        @Override
        public double[] rowMargins(LossState state, BatchStatistics batch) {
            if (batch.rows() == 0) {
                return null;
            }
            double[] mi = margins(seed, (long) state.get(STEP, 1), m, sigma, assignment, batch.targetCosines());
            for (int i = 0; i < mi.length; i++) {
                // the expression adds m: the row margin is the deviation, within [-4, 4] for any sigma &lt;= 0.5
                mi[i] = Math.max(-4, Math.min(4, mi[i] - m));
            }
            return mi;
        }

        @Override
        public String toString() {
            return "elastic-draws(sigma=" + sigma + ", seed=" + seed + ", " + assignment + ")";
        }
    }
}
