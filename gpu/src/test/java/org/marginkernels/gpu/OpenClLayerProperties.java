package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * The layer-level OpenCL kernels against the reference: normalization and its backward, cosine logits and their
 * backward, margin forward/backward for every catalogue loss, the scaled softmax cross-entropy, pair cosines, and
 * top-k against a brute-force double-precision search. Tolerance 1e-4 relative to the largest reference value:
 * float rounding of dot products of up to 64 terms stays below 1e-5 (measured &lt;= 4e-6).
 */
@AddLifecycleHook(OpenClAvailable.class)
class OpenClLayerProperties {

    static final double TOLERANCE = 1e-4;

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.of(2, 7, 8, 9, 15, 16, 17, 64);
    }

    @Provide
    Arbitrary<Integer> classCounts() {
        return Arbitraries.of(3, 7, 16, 17, 31, 97, 257);
    }

    @Property(tries = 20, seed = "11", shrinking = ShrinkingMode.OFF)
    void normalizationAndCosines(@ForAll @IntRange(min = 1, max = 33) int batch, @ForAll("classCounts") int classes,
            @ForAll("dims") int dim, @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        Backend ref = GpuTestSupport.reference();
        Random r = new Random(seed);
        float[] x = GpuTestSupport.gaussian(r, batch * dim);
        float[] w = GpuTestSupport.gaussian(r, classes * dim);

        float[] y = new float[x.length];
        float[] n = new float[batch];
        float[] ry = new float[x.length];
        float[] rn = new float[batch];
        gpu.l2Normalize(x, dim, y, n);
        ref.l2Normalize(x, dim, ry, rn);
        assertClose(ry, y, "l2Normalize output");
        assertClose(rn, n, "l2Normalize norms");

        float[] gy = GpuTestSupport.gaussian(r, x.length);
        float[] gx = new float[x.length];
        float[] rgx = new float[x.length];
        gpu.l2NormalizeBackward(ry, rn, gy, dim, gx);
        ref.l2NormalizeBackward(ry, rn, gy, dim, rgx);
        assertClose(rgx, gx, "l2NormalizeBackward");

        float[] cos = new float[batch * classes];
        float[] rcos = new float[batch * classes];
        gpu.cosineLogits(x, w, dim, cos);
        ref.cosineLogits(x, w, dim, rcos);
        assertClose(rcos, cos, "cosineLogits");

        float[] dc = GpuTestSupport.gaussian(r, batch * classes);
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        float[] rdx = new float[x.length];
        float[] rdw = new float[w.length];
        gpu.cosineLogitsBackward(x, w, dim, dc, dx, dw);
        ref.cosineLogitsBackward(x, w, dim, dc, rdx, rdw);
        assertClose(rdx, dx, "cosineLogitsBackward dX");
        assertClose(rdw, dw, "cosineLogitsBackward dW");

        float[] pairs = new float[Math.min(batch, classes)];
        float[] rpairs = new float[pairs.length];
        float[] left = java.util.Arrays.copyOf(x, pairs.length * dim);
        float[] right = java.util.Arrays.copyOf(w, pairs.length * dim);
        gpu.pairCosines(left, right, dim, pairs);
        ref.pairCosines(left, right, dim, rpairs);
        assertClose(rpairs, pairs, "pairCosines");
    }

    @Property(tries = 15, seed = "12", shrinking = ShrinkingMode.OFF)
    void marginAndSoftmaxLayersForEveryLoss(@ForAll @IntRange(min = 1, max = 17) int batch,
            @ForAll("classCounts") int classes, @ForAll("dims") int dim, @ForAll boolean ignoreFirst,
            @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        Backend ref = GpuTestSupport.reference();
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(seed, batch, classes, dim, ignoreFirst, -1);
        float[] cos = new float[batch * classes];
        ref.cosineLogits(p.x(), p.w(), dim, cos);
        float[] upstream = GpuTestSupport.gaussian(new Random(seed + 1), cos.length);
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue();
            // the layer methods see cosines only and refuse a loss that reads the feature norm or pools sub-centers
            if (loss.spec().readsNorm() || loss.subCenters() > 1 || !GpuTestSupport.farFromKinks(loss, p, 1e-5)) {
                continue;
            }
            String what = e.getKey() + " batch=" + batch + " classes=" + classes + " seed=" + seed;
            float[] f = new float[cos.length];
            float[] rf = new float[cos.length];
            gpu.marginForward(loss, cos, p.y(), f);
            ref.marginForward(loss, cos, p.y(), rf);
            assertClose(rf, f, what + " marginForward");

            float[] dc = new float[cos.length];
            float[] rdc = new float[cos.length];
            gpu.marginBackward(loss, cos, p.y(), upstream, dc);
            ref.marginBackward(loss, cos, p.y(), upstream, rdc);
            assertClose(rdc, dc, what + " marginBackward");

            double scale = ref.scaleFor(loss, cos, p.y());
            float[] df = new float[cos.length];
            float[] rdf = new float[cos.length];
            LossResult got = gpu.scaledSoftmaxCrossEntropy(loss, scale, rf, p.y(), df);
            LossResult want = ref.scaledSoftmaxCrossEntropy(loss, scale, rf, p.y(), rdf);
            assertEquals(want.rows(), got.rows(), what);
            assertEquals(want.loss(), got.loss(), TOLERANCE * Math.max(1, Math.abs(want.loss())), what + " loss");
            assertClose(rdf, df, what + " scaledSoftmaxCrossEntropy gradient");
        }
    }

    @Property(tries = 20, seed = "13", shrinking = ShrinkingMode.OFF)
    void topKMatchesBruteForce(@ForAll @IntRange(min = 1, max = 9) int queries,
            @ForAll @IntRange(min = 1, max = 300) int galleryRows, @ForAll("dims") int dim,
            @ForAll @IntRange(min = 1, max = 12) int k, @ForAll boolean duplicates, @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        int kk = Math.min(k, galleryRows);
        Random r = new Random(seed);
        float[] q = GpuTestSupport.gaussian(r, queries * dim);
        float[] g = GpuTestSupport.gaussian(r, galleryRows * dim);
        if (duplicates && galleryRows > 1) {
            // exact ties: identical gallery rows must come back lower index first
            System.arraycopy(g, 0, g, (galleryRows - 1) * dim, dim);
            System.arraycopy(q, 0, g, 0, dim);
        }
        int[] idx = new int[queries * kk];
        float[] scores = new float[queries * kk];
        gpu.topK(q, g, dim, kk, idx, scores);
        GpuTestSupport.assertTopKIsExact("seed=" + seed, q, g, dim, kk, idx, scores);
        for (int qi = 0; qi < queries; qi++) {
            for (int rank = 0; rank < kk; rank++) {
                int at = qi * kk + rank;
                String what = "query " + qi + " rank " + rank + " seed=" + seed;
                if (rank > 0) {
                    assertTrue(scores[at - 1] > scores[at] || (scores[at - 1] == scores[at]
                            && idx[at - 1] < idx[at]), what + ": order");
                }
            }
            int[] distinct = java.util.Arrays.stream(idx, qi * kk, (qi + 1) * kk).distinct().toArray();
            assertEquals(kk, distinct.length, "indices of query " + qi + " must be distinct");
        }
        if (duplicates && galleryRows > 1 && kk >= 1) {
            assertEquals(0, idx[0], "query 0 equals gallery row 0, its best match");
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double error = GpuTestSupport.relativeError(got, want);
        assertTrue(error <= TOLERANCE, what + ": relative error " + error);
    }

}
