package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.Reduction;
import org.marginkernels.reference.ReferenceBackend;
import org.marginkernels.spi.RowCheck;

/**
 * Every value the facade accepts (issue 17, items 1, 5 and 7): rows with elements up to about 1e37 (norms just
 * under 2^126), rows mixing huge and tiny elements, norms just above 1e-15, scales up to 1e6 and layer inputs at
 * their documented bounds. Inputs are passed through the reference facade first, so each case is one it accepts;
 * the cpu results must be finite and agree with the reference.
 *
 * <p>Gradients are compared row by row: row r within {@code tol} times the larger of its largest expected element
 * and its natural scale (the bound of its dL/dx^ divided by the row's norm), plus Float.MIN_NORMAL, below which a
 * float result is subnormal and has no relative precision.
 */
class LargeValuesTest extends CpuTestSupport {

    private static final int DIM = 37;
    private static final int BATCH = 5;
    private static final int CLASSES = 70;
    /** Just under the largest accepted norm, 2^126. */
    private static final double NEAR_MAX = 0x1.fffp125;
    /** Just above the smallest accepted norm, 1e-15. */
    private static final double NEAR_MIN = 1.0000001e-15;

    private static final List<String> LOSSES = List.of("arcFace", "svSoftmax", "adaCosDynamic", "focal", "sum");

    /** The issue's reproduction: a weight row of 1e20 gave a NaN weight gradient. */
    @Test
    void issueReproductionWeightRowOf1e20() {
        float[] x = {1, 0, 0, 1};
        float[] w = {1, 0, 0, 1, 1e20f, 1e20f};
        int[] y = {0, 1};
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend cpu = cpu(threads, 0, 32)) {
                compareForwardBackward("1e20 weight row", loss, new Problem(x, w, y, 2), cpu);
                float[] dw = new float[w.length];
                cpu.forwardBackward(loss, x, w, y, 2, new float[x.length], dw);
                // both rows' dL/dw^ is parallel to w (by symmetry), so the exact gradient is zero
                assertEquals(0f, dw[4], Float.MIN_NORMAL, "the gradient of the 1e20 row");
                assertEquals(0f, dw[5], Float.MIN_NORMAL, "the gradient of the 1e20 row");
            }
        }
    }

    /** The issue's reproduction: two 64-element vectors of 1e20 gave Infinity. */
    @Test
    void cosineOfVectorsOf1e20IsOne() {
        float[] a = new float[64];
        java.util.Arrays.fill(a, 1e20f);
        try (Backend cpu = Backends.named("cpu")) {
            assertEquals(1f, cpu.cosineSimilarity(a, a.clone()), 1e-6f);
            float[] out = new float[1];
            cpu.pairCosines(a, a.clone(), 64, out);
            assertEquals(1f, out[0], 1e-6f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"huge rows", "rows near the largest norm", "rows near the smallest norm",
        "huge and tiny elements in one row", "everything huge"})
    void forwardBackwardOnExtremeRows(String kind) {
        Problem p = extreme(kind, SEED);
        for (String name : LOSSES) {
            MarginSoftmax loss = catalogue().get(name);
            for (int threads : new int[] {1, 3}) {
                try (CpuBackend cpu = cpu(threads, 0, 32)) {
                    compareForwardBackward(kind + ", " + name, loss, p, cpu);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"huge rows", "rows near the largest norm", "rows near the smallest norm",
        "huge and tiny elements in one row", "everything huge"})
    void layerMethodsOnExtremeRows(String kind) {
        Problem p = extreme(kind, SEED + 1);
        float[] x = p.features();
        float[] w = p.weights();
        double tol = 4 * DIM * EPS;
        ReferenceBackend ref = reference();
        try (Backend facade = Backends.named("reference"); CpuBackend cpu = cpu(2, 0, 32)) {
            float[] yRef = new float[x.length];
            float[] nRef = new float[BATCH];
            facade.l2Normalize(x, DIM, yRef, nRef);
            float[] y = new float[x.length];
            float[] n = new float[BATCH];
            cpu.l2Normalize(x, DIM, y, n);
            assertClose(kind + " l2Normalize", yRef, y, tol);
            assertRowsClose(kind + " norms", nRef, n, 1, tol, null, 0);

            SplittableRandom r = new SplittableRandom(SEED);
            float[] g = randomMatrix(r, BATCH, DIM);
            float[] dxRef = new float[x.length];
            facade.l2NormalizeBackward(yRef, nRef, g, DIM, dxRef);
            float[] dx = new float[x.length];
            cpu.l2NormalizeBackward(yRef, nRef, g, DIM, dx);
            assertRowsClose(kind + " l2NormalizeBackward", dxRef, dx, DIM, tol, x, 2 * Math.sqrt(DIM) * 4);

            float[] cRef = new float[BATCH * CLASSES];
            facade.cosineLogits(x, w, DIM, cRef);
            float[] c = new float[BATCH * CLASSES];
            cpu.cosineLogits(x, w, DIM, c);
            assertClose(kind + " cosineLogits", cRef, c, tol, 1);

            float[] dc = boundedCosineGrad(r, x, w);
            float[] fxRef = new float[x.length];
            float[] fwRef = new float[w.length];
            facade.cosineLogitsBackward(x, w, DIM, dc, fxRef, fwRef);
            float[] fx = new float[x.length];
            float[] fw = new float[w.length];
            cpu.cosineLogitsBackward(x, w, DIM, dc, fx, fw);
            double t = 4 * (DIM + CLASSES) * EPS;
            assertRowsClose(kind + " cosineLogitsBackward features", fxRef, fx, DIM, t, null, 0);
            assertRowsClose(kind + " cosineLogitsBackward weights", fwRef, fw, DIM, t, null, 0);

            float[] right = w.clone();
            float[] pairs = new float[BATCH];
            float[] pairsRef = new float[BATCH];
            facade.pairCosines(x, java.util.Arrays.copyOf(right, x.length), DIM, pairsRef);
            cpu.pairCosines(x, java.util.Arrays.copyOf(right, x.length), DIM, pairs);
            assertClose(kind + " pairCosines", pairsRef, pairs, tol, 1);

            int k = 4;
            int[] idx = new int[BATCH * k];
            float[] scores = new float[BATCH * k];
            cpu.topK(x, w, DIM, k, idx, scores);
            int[] refIdx = new int[BATCH * k];
            float[] refScores = new float[BATCH * k];
            ref.topK(x, w, DIM, k, refIdx, refScores);
            assertClose(kind + " topK scores", refScores, scores, tol, 1);
            for (int e = 0; e < idx.length; e++) {
                assertEquals(c[e / k * CLASSES + idx[e]], scores[e], 0f, kind + " topK score of its index");
            }
        }
    }

    /** Scales up to {@link org.marginkernels.ScalePolicy#MAX_SCALE}: finite losses and gradients. */
    @ParameterizedTest(name = "scale {0}")
    @ValueSource(doubles = {1e3, 1e5, 1e6})
    void hugeScales(double scale) {
        MarginSoftmax[] losses = {
            MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(scale).build(),
            MarginSoftmax.builder().margin(Margins.cosFace(0.35)).reduction(Reduction.SUM).scale(scale).build(),
            MarginSoftmax.builder().margin(Margins.sphereFace(4, 1.0)).scale(scale).build(),
            MarginSoftmax.builder().margin(Margins.arcFace(0.3)).negative(NegativeTransform.svSoftmax(1.2))
                    .scale(scale).build(),
            MarginSoftmax.builder().margin(Margins.arcFace(0.5)).focal(2).scale(scale).build()};
        SplittableRandom r = new SplittableRandom(SEED + 2);
        try (CpuBackend cpu = cpu(2, 0, 32)) {
            for (MarginSoftmax loss : losses) {
                assertMatchesReference("scale " + scale + " " + loss, loss, problem(r, 9, 17, 80, -1), cpu);
            }
        }
    }

    /**
     * scaledSoftmaxCrossEntropy with logits up to the accepted 2^100: at s = 64 (a power of two) every logit is
     * exact in float, so the cpu agrees with the reference to double rounding; at s = 1e6 the margined values tie
     * with the target (all equal), where both give log(classes).
     */
    @ParameterizedTest(name = "scale {0}")
    @ValueSource(doubles = {64, 1e6})
    void softmaxLayerWithLogitsUpTo2To100(double scale) {
        int batch = 6;
        int classes = 40;
        SplittableRandom r = new SplittableRandom(SEED + 3);
        float bound = (float) (0x1p100 / scale);
        if (bound > 0x1p100 / scale) {
            bound = Math.nextDown(bound);
        }
        float[] margined = new float[batch * classes];
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(classes);
            for (int j = 0; j < classes; j++) {
                margined[i * classes + j] = scale == 64 ? (float) ((r.nextDouble() * 2 - 1) * bound) : bound;
            }
        }
        // rows 0 and 1: the target ties with one non-target at the top
        for (int i = 0; i < 2; i++) {
            int other = (labels[i] + 1) % classes;
            margined[i * classes + labels[i]] = bound;
            margined[i * classes + other] = bound;
        }
        for (MarginSoftmax loss : new MarginSoftmax[] {MarginSoftmax.builder().scale(scale).build(),
            MarginSoftmax.builder().focal(2).reduction(Reduction.SUM).scale(scale).build()}) {
            float[] dfRef = new float[margined.length];
            LossResult expected;
            try (Backend facade = Backends.named("reference")) {
                expected = facade.scaledSoftmaxCrossEntropy(loss, scale, margined, labels, dfRef);
            }
            float[] df = new float[margined.length];
            try (CpuBackend cpu = cpu(1, 0, 32)) {
                LossResult actual = cpu.scaledSoftmaxCrossEntropy(loss, scale, margined, labels, df);
                assertResult("scale " + scale + " " + loss, expected, actual, 1e-6);
            }
            assertClose("scale " + scale + " gradient", dfRef, df, 1e-6, 0);
        }
    }

    /** marginBackward with upstream gradients up to the accepted 2^64. */
    @Test
    void marginBackwardWithUpstreamUpTo2To64() {
        SplittableRandom r = new SplittableRandom(SEED + 4);
        int batch = 7;
        int classes = 30;
        float[] cos = new float[batch * classes];
        float[] df = new float[batch * classes];
        int[] labels = new int[batch];
        for (int e = 0; e < cos.length; e++) {
            cos[e] = (float) (r.nextDouble() * 2 - 1);
            df[e] = (float) ((r.nextDouble() * 2 - 1) * Backend.MAX_UPSTREAM_GRADIENT);
        }
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(classes);
        }
        for (String name : List.of("arcFace", "svSoftmax", "mvSoftmax", "sphereFace")) {
            MarginSoftmax loss = catalogue().get(name);
            float[] expected = new float[cos.length];
            try (Backend facade = Backends.named("reference")) {
                facade.marginBackward(loss, cos, labels, df, expected);
            }
            float[] actual = new float[cos.length];
            try (CpuBackend cpu = cpu(1, 0, 32)) {
                cpu.marginBackward(loss, cos, labels, df, actual);
            }
            assertClose(name + " marginBackward", expected, actual, 64 * EPS, 4 * Backend.MAX_UPSTREAM_GRADIENT);
        }
    }

    /**
     * A weight row whose norm is within float rounding of 1e-15 (item 7: 9.99999998e-16 was accepted by the cpu
     * and rejected by the reference) is decided by the canonical double sum, as the facade decides it.
     */
    @Test
    void weightRowsAtTheNormBoundsAreDecidedLikeTheFacade() {
        MarginSoftmax loss = catalogue().get("arcFace");
        SplittableRandom r = new SplittableRandom(SEED + 5);
        for (double norm : new double[] {9.99999998e-16, 1e-15, 1.00000001e-15, 0x1p126, 0x1.0000002p126,
            0x1.fffffcp125}) {
            for (int dim : new int[] {1, 3, 40}) {
                float[] x = randomMatrix(r, 3, dim);
                float[] w = randomMatrix(r, 40, dim);
                scaleRow(w, 17, dim, norm);
                int[] y = {0, 17, 39};
                String expected;
                try (Backend reference = Backends.named("reference")) {
                    expected = outcome(() -> reference.forward(loss, x, w, y, dim));
                }
                try (Backend cpu = Backends.named("cpu")) {
                    assertEquals(expected, outcome(() -> cpu.forward(loss, x, w, y, dim)),
                            "norm " + norm + " (canonical " + Math.sqrt(RowCheck.sumOfSquares(w, 17 * dim, dim))
                                    + "), dim " + dim);
                }
            }
        }
    }

    private static String outcome(java.util.function.Supplier<LossResult> call) {
        try {
            return "accepted, loss finite: " + Double.isFinite(call.get().loss());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Forward+backward on the reference (through its facade, which must accept the problem) and on cpu. */
    private static void compareForwardBackward(String what, MarginSoftmax loss, Problem p, CpuBackend cpu) {
        float[] refDx = new float[p.features().length];
        float[] refDw = new float[p.weights().length];
        LossResult ref;
        try (Backend facade = Backends.named("reference")) {
            ref = facade.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), refDx, refDw);
        }
        float[] dx = new float[refDx.length];
        float[] dw = new float[refDw.length];
        LossResult got = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
        String where = what + " (" + cpu.kernelsDescription() + ")";
        double tol = tolerance(ref.scale(), p.dim());
        assertResult(where, ref, got, tol);
        double w = loss.reduction() == Reduction.MEAN && ref.rows() > 0 ? 1.0 / ref.rows() : 1.0;
        double g = 4 * ref.scale() * w;
        assertRowsClose(where + " featureGrad", refDx, dx, p.dim(), tol, p.features(), g);
        assertRowsClose(where + " weightGrad", refDw, dw, p.dim(), tol, p.weights(), g * ref.rows());
        LossResult forward = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), null, null);
        assertEquals(got.loss(), forward.loss(), 1e-12 * Math.max(1, Math.abs(got.loss())), where + " forward only");
    }

    /**
     * Row r of actual within tol max(max |expected row|, termScale / |raw row r|) + Float.MIN_NORMAL of expected,
     * and finite; raw null: termScale ignored.
     */
    static void assertRowsClose(String what, float[] expected, float[] actual, int dim, double tol, float[] raw,
            double termScale) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int r = 0; r < expected.length / dim; r++) {
            double max = 0;
            for (int k = 0; k < dim; k++) {
                max = Math.max(max, Math.abs(expected[r * dim + k]));
            }
            double natural = raw == null ? 0 : termScale / Math.sqrt(RowCheck.sumOfSquares(raw, r * dim, dim));
            double bound = tol * Math.max(max, natural) + Float.MIN_NORMAL;
            for (int k = 0; k < dim; k++) {
                int e = r * dim + k;
                if (!Float.isFinite(actual[e])) {
                    fail(what + "[" + e + "] is not finite: " + actual[e]);
                }
                if (Math.abs(expected[e] - actual[e]) > bound) {
                    fail(what + "[" + e + "] (row " + r + "): expected " + expected[e] + " but was " + actual[e]
                            + " (bound " + bound + ")");
                }
            }
        }
    }

    /** A random problem (B = 5, D = 37, C = 70: three 32-class tiles) with some rows made extreme. */
    private static Problem extreme(String kind, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Problem p = problem(r, BATCH, DIM, CLASSES, -1);
        float[] x = p.features();
        float[] w = p.weights();
        int[] y = p.labels();
        for (int i = 0; i < BATCH; i++) {
            y[i] = i == 0 ? 3 : i == 1 ? 40 : y[i];
        }
        UnaryOperator<Double> norm = switch (kind) {
            case "huge rows" -> n -> 1e30;
            case "rows near the largest norm", "everything huge" -> n -> NEAR_MAX;
            case "rows near the smallest norm" -> n -> NEAR_MIN;
            default -> null;
        };
        if (norm == null) {
            // one element near the largest value a row may hold, the others tiny (some subnormal after
            // normalization), in a target row of each kind
            for (float[] m : new float[][] {x, w}) {
                int row = m == x ? 1 : 40;
                for (int k = 0; k < DIM; k++) {
                    m[row * DIM + k] = (float) ((r.nextDouble() - 0.5) * (k % 2 == 0 ? 1e-30 : 1e-42));
                }
                m[row * DIM + 5] = 8e37f;
                // the next row: norm about 2e-15 from one element, the others squaring to subnormals in float
                for (int k = 0; k < DIM; k++) {
                    m[(row + 1) * DIM + k] = (float) ((r.nextDouble() - 0.5) * 1e-20);
                }
                m[(row + 1) * DIM + 2] = 2e-15f;
            }
            return p;
        }
        int[] featureRows = kind.equals("everything huge") ? new int[] {0, 1, 2, 3, 4} : new int[] {1, 3};
        int[] weightRows = kind.equals("everything huge") ? range(CLASSES) : new int[] {3, 31, 40, 69};
        for (int i : featureRows) {
            scaleRow(x, i, DIM, norm.apply(0.0));
        }
        for (int j : weightRows) {
            scaleRow(w, j, DIM, norm.apply(0.0));
        }
        return p;
    }

    private static int[] range(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Scales row r to the given norm (the canonical norm ends within float rounding of it). */
    private static void scaleRow(float[] m, int r, int dim, double norm) {
        double current = Math.sqrt(RowCheck.sumOfSquares(m, r * dim, dim));
        for (int k = 0; k < dim; k++) {
            m[r * dim + k] = (float) (m[r * dim + k] / current * norm);
        }
    }

    /**
     * dL/dc with the largest magnitudes the facade accepts: |dc_ij| up to 2^118 min(|x_i|, |w_j|) / max(B, C), so
     * row and column bounds hold, and up to half the float range where both rows are huge: such sums overflow a
     * float.
     */
    private static float[] boundedCosineGrad(SplittableRandom r, float[] x, float[] w) {
        float[] dc = new float[BATCH * CLASSES];
        for (int i = 0; i < BATCH; i++) {
            double xi = Math.sqrt(RowCheck.sumOfSquares(x, i * DIM, DIM));
            for (int j = 0; j < CLASSES; j++) {
                double wj = Math.sqrt(RowCheck.sumOfSquares(w, j * DIM, DIM));
                double size = Math.min(0x1p118 * Math.min(xi, wj) / CLASSES, Float.MAX_VALUE / 2);
                dc[i * CLASSES + j] = (float) ((r.nextDouble() * 2 - 1) * size);
            }
        }
        return dc;
    }
}
