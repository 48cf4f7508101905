package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.ScalePolicy;
import org.marginkernels.gpu.opencl.OpenClBackendProvider;
import org.marginkernels.spi.RowCheck;

/**
 * The reproductions of issue 17 on OpenCL, each against the double-precision reference: rows with elements up to
 * about 1e37 (norms up to 2^126) or norms just above 1e-15, ties at the SV/MV hard-negative test, cosines of exactly
 * +-1 at the clamp, scales up to 1e6 and logits up to 2^100, shapes whose products overflow an int or that need
 * several topK blocks, and use after close and from several threads.
 *
 * <p>Tolerances: 1e-4 as in {@link OpenClLayerProperties}; gradients of raw rows, whose rows differ in magnitude
 * by up to 10^50 here, are compared after scaling each row by its norm ({@link #assertGradient}), so that a huge
 * row's gradient is checked as closely as an ordinary one's. At the tie and clamp cases, where float and double now
 * take the same branch and the same clamp value, the loss agrees to 1e-6. Gradients that are zero in exact
 * arithmetic (every row at dim 1: the reference's normalized rows are exactly +-1, while x * (1 / |x|) in float is
 * 1 only within 2^-23) are compared with their natural size, s / N for the loss and the upstream size for a layer.
 */
class OpenClReliabilityTest {

    static final double TOLERANCE = 1e-4;
    static final double EXACT_CASE_TOLERANCE = 1e-6;

    @BeforeEach
    void requireOpenCl() {
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
    }

    // ---- 1. large finite values and tiny norms

    @Test
    void featureRowOf1e20() {
        // the float sum of squares of {1e20, 1e20} overflowed: the row normalized to 0 and the loss was 15.688
        float[] x = {1e20f, 1e20f, 0.6f, -0.8f};
        float[] w = {1, 0, 0, 1, -1, 0.5f};
        int[] y = {1, 0};
        MarginSoftmax arcFace = LossCatalogue.all().get("arcface");
        compareForwardBackward("arcface", arcFace, x, w, y, 2);
        compareLayers("featureRowOf1e20", x, w, y, 2, new Random(GpuTestSupport.SEED));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 17, 64})
    void extremeRowsInEveryMethod(int dim) {
        Random r = new Random(GpuTestSupport.SEED + dim);
        int batch = 13;
        int classes = 29;
        float[] x = extremeRows(r, batch, dim);
        float[] w = extremeRows(r, classes, dim);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
        }
        compareLayers("dim=" + dim, x, w, y, dim, r);
        GpuTestSupport.Problem p = new GpuTestSupport.Problem(x, w, y, batch, classes, dim);
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            if (GpuTestSupport.farFromKinks(e.getValue(), p, 1e-5)) {
                // identical sub-centers (an exact tie, so the first is the nearest): the rows keep their extreme norms
                compareForwardBackward(e.getKey() + " dim=" + dim, e.getValue(), x,
                        GpuTestSupport.repeatedRows(w, dim, e.getValue().subCenters()), y, dim);
            }
        }
    }

    /**
     * Rows of six kinds by index: ordinary gaussian, norm 0.99 * 2^126 (elements near 1e37 at small dim), every
     * element +-1e20, one element +-1e37 among elements near 1e-30, norm 1.01e-15, and one element 1.5e-15 among
     * elements near 1e-25.
     */
    static float[] extremeRows(Random r, int rows, int dim) {
        float[] a = GpuTestSupport.gaussian(r, rows * dim);
        for (int i = 0; i < rows; i++) {
            int from = i * dim;
            double norm = Math.sqrt(RowCheck.sumOfSquares(a, from, dim));
            for (int k = 0; k < dim; k++) {
                double v = a[from + k];
                a[from + k] = (float) switch (i % 6) {
                    case 1 -> v * (0.99 * RowCheck.MAX_NORM / norm);
                    case 2 -> Math.signum(v) * 1e20;
                    case 3 -> k == 0 ? Math.signum(v) * 1e37 : v * 1e-30;
                    case 4 -> v * (1.01 * RowCheck.MIN_NORM / norm);
                    case 5 -> k == 0 ? 1.5e-15 : v * 1e-25;
                    default -> v;
                };
            }
        }
        return a;
    }

    /** Every layer-level method on raw rows x, w (labels y) against the reference. */
    private static void compareLayers(String what, float[] x, float[] w, int[] y, int dim, Random r) {
        Backend gpu = GpuTestSupport.openCl();
        Backend ref = GpuTestSupport.reference();
        int batch = x.length / dim;
        int classes = w.length / dim;

        float[] hat = new float[x.length];
        float[] norms = new float[batch];
        float[] rhat = new float[x.length];
        float[] rnorms = new float[batch];
        gpu.l2Normalize(x, dim, hat, norms);
        ref.l2Normalize(x, dim, rhat, rnorms);
        assertClose(rhat, hat, what + ": l2Normalize", TOLERANCE);
        assertRelative(rnorms, norms, what + ": l2Normalize norms");

        // upstream gradients of 3e38 on the rows of norm near 2^126: g . y and |g| exceed the float range there
        float[] gy = GpuTestSupport.gaussian(r, x.length);
        for (int i = 0; i < batch; i++) {
            if (rnorms[i] > 1e37f) {
                for (int k = 0; k < dim; k++) {
                    gy[i * dim + k] = Math.copySign(3e38f, gy[i * dim + k]);
                }
            }
        }
        float[] gx = new float[x.length];
        float[] rgx = new float[x.length];
        gpu.l2NormalizeBackward(rhat, rnorms, gy, dim, gx);
        ref.l2NormalizeBackward(rhat, rnorms, gy, dim, rgx);
        assertGradientRows(rgx, gx, rnorms, rowNorms(gy, dim), dim, what + ": l2NormalizeBackward");

        float[] cos = new float[batch * classes];
        float[] rcos = new float[batch * classes];
        gpu.cosineLogits(x, w, dim, cos);
        ref.cosineLogits(x, w, dim, rcos);
        assertClose(rcos, cos, what + ": cosineLogits", TOLERANCE);

        // dL/dc of 3e38 where a row and a class both have norm near 2^126: the sum over classes exceeds the float range
        float[] dc = GpuTestSupport.gaussian(r, batch * classes);
        float[] wNorms = new float[classes];
        ref.l2Normalize(w, dim, new float[w.length], wNorms);
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < classes; j++) {
                if (rnorms[i] > 1e37f && wNorms[j] > 1e37f) {
                    dc[i * classes + j] = 3e38f;
                }
            }
        }
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] rdx = new float[x.length];
        float[] rdw = new float[w.length];
        gpu.cosineLogitsBackward(x, w, dim, dc, dx, dw);
        ref.cosineLogitsBackward(x, w, dim, dc, rdx, rdw);
        // |dL/dx^_i| <= sum_j |dc_ij| and |dL/dw^_j| <= sum_i |dc_ij|: the natural size of each row's error
        double[] rowSums = new double[batch];
        double[] columnSums = new double[classes];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < classes; j++) {
                rowSums[i] += Math.abs(dc[i * classes + j]);
                columnSums[j] += Math.abs(dc[i * classes + j]);
            }
        }
        assertGradientRows(rdx, dx, rnorms, rowSums, dim, what + ": cosineLogitsBackward dX");
        assertGradientRows(rdw, dw, wNorms, columnSums, dim, what + ": cosineLogitsBackward dW");

        int pairs = Math.min(batch, classes);
        float[] out = new float[pairs];
        float[] rout = new float[pairs];
        float[] left = java.util.Arrays.copyOf(x, pairs * dim);
        float[] right = java.util.Arrays.copyOf(w, pairs * dim);
        gpu.pairCosines(left, right, dim, out);
        ref.pairCosines(left, right, dim, rout);
        assertClose(rout, out, what + ": pairCosines", TOLERANCE);

        compareTopK(what, x, w, dim, Math.min(3, classes));
    }

    /** topK against the exact cosines ({@link GpuTestSupport#assertTopKIsExact}). */
    private static void compareTopK(String what, float[] queries, float[] gallery, int dim, int k) {
        int q = queries.length / dim;
        int[] idx = new int[q * k];
        float[] scores = new float[q * k];
        GpuTestSupport.openCl().topK(queries, gallery, dim, k, idx, scores);
        GpuTestSupport.assertTopKIsExact(what + ": topK", queries, gallery, dim, k, idx, scores);
    }

    // ---- 2. ties at the hard-negative test, 3. cosines of exactly +-1

    @Test
    void svSoftmaxTieOfTheTargetAndAnIdenticalClass() {
        // f_y = (1e6 c + psi) / (1 + 1e6) is 1 - 4e-13 in double and 1 in float: c_j = 1 is not a hard negative
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.sphereFace(2, 1e6))
                .negative(NegativeTransform.svSoftmax(10)).scale(64).build();
        LossResult got = compareExactCase("sphereface+sv", loss, new float[] {1}, new float[] {1, 1},
                new int[] {0}, 1);
        assertEquals(Math.log(2), got.loss(), 1e-6, "two equal logits");
        compareMarginLayers("sphereface+sv", loss, new float[] {1, 1}, new int[] {0});
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 33})
    void mvSoftmaxWithIdenticalWeightRows(int dim) {
        // c_j equals c_y bit for bit, and f_y = cos(acos(c_y)) rounds back to it: the twin is not a hard negative
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0))
                .negative(NegativeTransform.mvSoftmax(10)).scale(30).build();
        Random r = new Random(GpuTestSupport.SEED + dim);
        int classes = 6;
        float[] w = GpuTestSupport.gaussian(r, classes * dim);
        System.arraycopy(w, 0, w, dim, dim);
        System.arraycopy(w, 2 * dim, w, 5 * dim, dim);
        float[] x = GpuTestSupport.gaussian(r, 3 * dim);
        int[] y = {0, 2, 1};
        compareExactCase("arcface(0)+mv dim=" + dim, loss, x, w, y, dim);
    }

    @ParameterizedTest
    @ValueSource(floats = {1, -1, 3.5f, -0.25f})
    void cosineOfExactlyPlusOrMinusOne(float feature) {
        // the reference clamps c = 1 to 1 - 1e-7; float cannot hold that bound, so f(c_y) is evaluated in double
        for (String name : new String[] {"arcface-easy", "arcface", "combined", "sphereface", "sphereface-lambda"}) {
            MarginSoftmax loss = LossCatalogue.all().get(name);
            compareExactCase(name + " x=" + feature, loss, new float[] {feature}, new float[] {1, 1},
                    new int[] {0}, 1);
            compareMarginLayers(name, loss, new float[] {Math.signum(feature), Math.signum(feature), 1, -1},
                    new int[] {0, 1});
        }
        MarginSoftmax easy = MarginSoftmax.builder().margin(Margins.arcFaceEasy(0.5)).scale(64).build();
        LossResult want = GpuTestSupport.reference().forward(easy, new float[] {1}, new float[] {1, 1},
                new int[] {0}, 1);
        LossResult got = GpuTestSupport.openCl().forward(easy, new float[] {1}, new float[] {1, 1}, new int[] {0}, 1);
        assertEquals(want.loss(), got.loss(), 1e-6 * want.loss(), "issue 17: 7.848834 expected, opencl gave 7.850095");
    }

    private static void compareMarginLayers(String what, MarginSoftmax loss, float[] cosines, int[] labels) {
        Backend gpu = GpuTestSupport.openCl();
        Backend ref = GpuTestSupport.reference();
        float[] f = new float[cosines.length];
        float[] rf = new float[cosines.length];
        gpu.marginForward(loss, cosines, labels, f);
        ref.marginForward(loss, cosines, labels, rf);
        assertClose(rf, f, what + ": marginForward", EXACT_CASE_TOLERANCE);
        float[] upstream = new float[cosines.length];
        java.util.Arrays.fill(upstream, 0.5f);
        float[] dc = new float[cosines.length];
        float[] rdc = new float[cosines.length];
        gpu.marginBackward(loss, cosines, labels, upstream, dc);
        ref.marginBackward(loss, cosines, labels, upstream, rdc);
        assertClose(rdc, dc, what + ": marginBackward", EXACT_CASE_TOLERANCE);
    }

    // ---- 4. huge scales and logits

    @ParameterizedTest
    @ValueSource(doubles = {1e3, 1e5, ScalePolicy.MAX_SCALE})
    void everyMarginAtLargeScales(double scale) {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED, 9, 37, 16, true, -1);
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue().toBuilder().scale(scale).build();
            GpuTestSupport.Problem q = p.forLoss(loss);
            if (GpuTestSupport.farFromKinks(loss, q, 1e-5)) {
                compareForwardBackward(e.getKey() + " s=" + scale, loss, q.x(), q.w(), q.y(), q.dim());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-38, 1e-30, 1, 64, ScalePolicy.MAX_SCALE})
    void softmaxCrossEntropyUpToTheLogitBound(double scale) {
        // logits s f up to +-2^100, and margined values up to +-3e38 whose difference exceeds the float range
        float big = (float) Math.min(3e38, 0.999 * Math.scalb(1.0, 100) / scale);
        float[] margined = {big, -big, 0.5f * big, 1, -1, big, 0, -big, 2, big, 0.25f * big, -0.5f * big};
        int[] labels = {0, 1, 2, 0};
        for (String name : new String[] {"none", "focal"}) {
            MarginSoftmax loss = LossCatalogue.all().get(name);
            float[] df = new float[margined.length];
            float[] rdf = new float[margined.length];
            LossResult got = GpuTestSupport.openCl().scaledSoftmaxCrossEntropy(loss, scale, margined, labels, df);
            LossResult want = GpuTestSupport.reference().scaledSoftmaxCrossEntropy(loss, scale, margined, labels,
                    rdf);
            String what = name + " s=" + scale;
            assertTrue(Double.isFinite(got.loss()), what + ": finite loss " + got.loss());
            assertEquals(want.loss(), got.loss(), TOLERANCE * Math.max(1, Math.abs(want.loss())), what + ": loss");
            assertClose(rdf, df, what + ": gradient", TOLERANCE);
        }
    }

    // ---- 5. shapes

    @Test
    void topKWithAnOverflowingResultShapeIsRejected() {
        // 65536 x 65537 wraps to 65536 in int arithmetic; the facade must see the long product
        float[] queries = new float[65536];
        float[] gallery = new float[65537];
        java.util.Arrays.fill(queries, 1f);
        java.util.Arrays.fill(gallery, 1f);
        assertThrows(IllegalArgumentException.class, () -> GpuTestSupport.openCl().topK(queries, gallery, 1, 65537,
                new int[65536], new float[65536]));
    }

    @Test
    void topKAcrossSeveralQueryAndGalleryBlocks() {
        Random r = new Random(GpuTestSupport.SEED);
        // more queries than one query block holds
        int dim = 2;
        int q = GpuKernelBackend.TOP_K_BLOCK_FLOATS / KernelLauncher.TILE + 37;
        compareWithReferenceTopK(GpuTestSupport.gaussian(r, q * dim), GpuTestSupport.gaussian(r, 21 * dim), dim, 3);
        // several gallery blocks: 200 queries leave room for 5232 gallery rows per block
        compareWithReferenceTopK(GpuTestSupport.gaussian(r, 200 * 8), GpuTestSupport.gaussian(r, 11_000 * 8), 8, 5);
    }

    private static void compareWithReferenceTopK(float[] queries, float[] gallery, int dim, int k) {
        int q = queries.length / dim;
        int[] idx = new int[q * k];
        float[] scores = new float[q * k];
        int[] ridx = new int[q * k];
        float[] rscores = new float[q * k];
        GpuTestSupport.openCl().topK(queries, gallery, dim, k, idx, scores);
        GpuTestSupport.reference().topK(queries, gallery, dim, k, ridx, rscores);
        for (int i = 0; i < idx.length; i++) {
            assertEquals(rscores[i], scores[i], 1e-5, "score " + i);
            if (idx[i] != ridx[i]) {
                // only a near-tie may swap two indices
                assertEquals(GpuTestSupport.cosine(queries, i / k, gallery, ridx[i], dim),
                        GpuTestSupport.cosine(queries, i / k, gallery, idx[i], dim), 2e-6, "index " + i);
            }
        }
    }

    @Test
    void forwardBeyondTheLargestChunkCount() {
        // more than MAX_FORWARD_CHUNKS x FORWARD_CHUNK classes: the chunks grow, the partials do not
        int classes = GpuFusedMarginSoftmax.MAX_FORWARD_CHUNKS * GpuFusedMarginSoftmax.FORWARD_CHUNK + 17;
        Random r = new Random(GpuTestSupport.SEED);
        int dim = 2;
        float[] w = GpuTestSupport.gaussian(r, classes * dim);
        float[] x = GpuTestSupport.gaussian(r, 3 * dim);
        int[] y = {0, classes - 1, classes / 2};
        MarginSoftmax loss = LossCatalogue.all().get("cosface");
        LossResult got = GpuTestSupport.openCl().forward(loss, x, w, y, dim);
        LossResult want = GpuTestSupport.reference().forward(loss, x, w, y, dim);
        assertEquals(want.loss(), got.loss(), TOLERANCE * Math.max(1, Math.abs(want.loss())), "loss");
    }

    // ---- 6. close and threads

    @Test
    void everyCallAfterCloseThrowsIllegalState() {
        GpuKernelBackend b = OpenClBackendProvider.create(BackendOptions.defaults(), "libOpenCL.so.1");
        MarginSoftmax loss = LossCatalogue.all().get("sv-softmax");
        float[] x = {1, 0};
        float[] w = {1, 0, 0, 1, 1, 1};
        int[] y = {0};
        b.forwardBackward(loss, x, w, y, 2, null, null);
        b.close();
        float[] out = new float[2];
        List<Runnable> calls = List.of(
                () -> b.forwardBackward(loss, x, w, y, 2, new float[2], new float[6]),
                () -> b.forwardBackward(loss, new float[0], w, new int[0], 2, null, null),
                () -> b.l2Normalize(x, 2, out, null),
                () -> b.l2NormalizeBackward(x, new float[] {1}, x, 2, out),
                () -> b.cosineLogits(x, w, 2, new float[3]),
                () -> b.cosineLogitsBackward(x, w, 2, new float[3], out, null),
                () -> b.marginForward(loss, new float[] {1, 0, 0}, y, new float[3]),
                () -> b.marginBackward(loss, new float[] {1, 0, 0}, y, new float[3], new float[3]),
                () -> b.scaledSoftmaxCrossEntropy(loss, 64, new float[] {1, 0, 0}, y, null),
                () -> b.pairCosines(x, x, 2, new float[1]),
                () -> b.topK(x, w, 2, 1, new int[1], new float[1]),
                () -> b.runtime().allocate(4),
                () -> b.runtime().finish());
        for (Runnable call : calls) {
            assertThrows(IllegalStateException.class, call::run);
        }
    }

    @Test
    void sharedBackendGivesTheResultsOfCallsMadeAlone() throws Exception {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 5, 11, 301, 16, false, -1);
        MarginSoftmax loss = LossCatalogue.all().get("arcface");
        Backend gpu = GpuTestSupport.openCl();
        float[][] alone = step(gpu, loss, p);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[][]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> step(gpu, loss, p)));
            }
            for (Future<float[][]> f : results) {
                float[][] shared = f.get();
                for (int i = 0; i < alone.length; i++) {
                    assertArrayEquals(alone[i], shared[i], "result " + i + " of a shared call");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[][] step(Backend gpu, MarginSoftmax loss, GpuTestSupport.Problem p) {
        float[] gx = new float[p.x().length];
        float[] gw = new float[p.w().length];
        float[] cos = new float[p.batch() * p.classes()];
        LossResult r = gpu.forwardBackward(loss, p.x(), p.w(), p.y(), p.dim(), gx, gw);
        gpu.cosineLogits(p.x(), p.w(), p.dim(), cos);
        return new float[][] {gx, gw, cos, {(float) r.loss()}};
    }

    // ---- comparison helpers

    private static LossResult compareForwardBackward(String what, MarginSoftmax loss, float[] x, float[] w, int[] y,
            int dim) {
        return compareForwardBackward(what, loss, x, w, y, dim, TOLERANCE);
    }

    private static LossResult compareExactCase(String what, MarginSoftmax loss, float[] x, float[] w, int[] y,
            int dim) {
        return compareForwardBackward(what, loss, x, w, y, dim, EXACT_CASE_TOLERANCE);
    }

    /**
     * The loss within {@code lossTolerance} (relative to max(1, |L|)) and both gradients by {@link #assertGradient}
     * with the floor 1e-2 s / N, a hundredth of the natural size s (p - [j = y]) / N of dL/dc.
     */
    private static LossResult compareForwardBackward(String what, MarginSoftmax loss, float[] x, float[] w, int[] y,
            int dim, double lossTolerance) {
        float[] gx = new float[x.length];
        float[] gw = new float[w.length];
        float[] rx = new float[x.length];
        float[] rw = new float[w.length];
        LossResult got = GpuTestSupport.openCl().forwardBackward(loss, x, w, y, dim, gx, gw);
        LossResult want = GpuTestSupport.reference().forwardBackward(loss, x, w, y, dim, rx, rw);
        assertTrue(Double.isFinite(got.loss()), what + ": finite loss");
        assertEquals(want.loss(), got.loss(), lossTolerance * Math.max(1, Math.abs(want.loss())), what + ": loss");
        double gradientFloor = 1e-2 * want.scale() / Math.max(1, want.rows());
        assertGradient(rx, gx, rowNorms(x, dim), dim, what + ": dX", gradientFloor);
        assertGradient(rw, gw, rowNorms(w, dim), dim, what + ": dW", gradientFloor);
        return got;
    }

    private static void assertClose(float[] want, float[] got, String what, double tolerance) {
        assertFinite(got, what);
        double error = GpuTestSupport.relativeError(got, want);
        assertTrue(error <= tolerance, what + ": relative error " + error);
    }

    /** Each element within TOLERANCE of its own magnitude. */
    private static void assertRelative(float[] want, float[] got, String what) {
        assertFinite(got, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOLERANCE * Math.abs(want[i]), what + " [" + i + "]");
        }
    }

    /**
     * A gradient of raw rows, row i times the row's norm |x_i| (the gradient with respect to the normalized row, whose
     * size does not depend on |x_i|), within TOLERANCE of the largest such value, or of {@code floor} when all are
     * smaller: rows of norm 2^126 and 1e-15 are then checked alike.
     */
    private static void assertGradient(float[] want, float[] got, double[] norms, int dim, String what,
            double floor) {
        assertFinite(got, what);
        double diff = 0;
        double scale = floor;
        for (int i = 0; i < want.length; i++) {
            double n = norms[i / dim];
            diff = Math.max(diff, Math.abs((double) got[i] - want[i]) * n);
            scale = Math.max(scale, Math.abs((double) want[i]) * n);
        }
        assertTrue(diff / scale <= TOLERANCE, what + ": error " + diff / scale + " (scaled by the row norms)");
    }

    /**
     * Per row i, the error of the gradient times |x_i| (the gradient with respect to the normalized row) within
     * TOLERANCE of max(natural_i, its largest value), natural_i a bound on |dL/dx^_i|: rows of any norm and of any
     * upstream size are each checked on their own scale.
     */
    private static void assertGradientRows(float[] want, float[] got, float[] norms, double[] natural, int dim,
            String what) {
        assertFinite(got, what);
        for (int r = 0; r < norms.length; r++) {
            double diff = 0;
            double scale = natural[r];
            for (int k = r * dim; k < (r + 1) * dim; k++) {
                diff = Math.max(diff, Math.abs((double) got[k] - want[k]) * norms[r]);
                scale = Math.max(scale, Math.abs((double) want[k]) * norms[r]);
            }
            assertTrue(diff <= TOLERANCE * scale, what + ": row " + r + " error " + diff / scale);
        }
    }

    private static void assertFinite(float[] got, String what) {
        for (float v : got) {
            assertTrue(Float.isFinite(v), what + ": non-finite value " + v);
        }
    }

    private static double[] rowNorms(float[] a, int dim) {
        double[] n = new double[a.length / dim];
        for (int r = 0; r < n.length; r++) {
            n[r] = Math.sqrt(RowCheck.sumOfSquares(a, r * dim, dim));
        }
        return n;
    }
}
