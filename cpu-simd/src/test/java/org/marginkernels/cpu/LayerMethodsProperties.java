package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.reference.ReferenceBackend;

/** The layer-level methods of the cpu backend against the reference, one layer at a time. */
class LayerMethodsProperties extends CpuTestSupport {

    @Property(tries = 25, seed = "20261128")
    void normalizationAndCosines(@ForAll @IntRange(min = 1, max = 19) int batch,
            @ForAll @IntRange(min = 1, max = 40) int dim, @ForAll @IntRange(min = 1, max = 100) int classes,
            @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ReferenceBackend ref = reference();
        float[] x = randomMatrix(r, batch, dim);
        float[] w = randomMatrix(r, classes, dim);
        // dot products of length dim: |error| <= dim eps relative to the unit-length operands
        double tol = 4 * dim * EPS;
        try (CpuBackend cpu = cpu(2, 0, 32)) {
            float[] y = new float[x.length];
            float[] n = new float[batch];
            float[] yRef = new float[x.length];
            float[] nRef = new float[batch];
            cpu.l2Normalize(x, dim, y, n);
            ref.l2Normalize(x, dim, yRef, nRef);
            assertClose("l2Normalize", yRef, y, tol);
            assertClose("norms", nRef, n, tol);

            float[] g = randomMatrix(r, batch, dim);
            float[] dx = new float[x.length];
            float[] dxRef = new float[x.length];
            cpu.l2NormalizeBackward(yRef, nRef, g, dim, dx);
            ref.l2NormalizeBackward(yRef, nRef, g, dim, dxRef);
            assertClose("l2NormalizeBackward", dxRef, dx, tol, maxAbs(g) / minAbs(nRef));

            float[] c = new float[batch * classes];
            float[] cRef = new float[batch * classes];
            cpu.cosineLogits(x, w, dim, c);
            ref.cosineLogits(x, w, dim, cRef);
            assertClose("cosineLogits", cRef, c, tol, 1);

            float[] dc = randomMatrix(r, batch, classes);
            float[] fx = new float[x.length];
            float[] fw = new float[w.length];
            float[] fxRef = new float[x.length];
            float[] fwRef = new float[w.length];
            cpu.cosineLogitsBackward(x, w, dim, dc, fx, fw);
            ref.cosineLogitsBackward(x, w, dim, dc, fxRef, fwRef);
            // sums of classes (or batch) terms of size |dc| / |x|
            double t = 4 * (dim + Math.max(batch, classes)) * EPS;
            assertClose("cosineLogitsBackward features", fxRef, fx, t,
                    maxAbs(dc) * classes / minRowNorm(x, dim));
            assertClose("cosineLogitsBackward weights", fwRef, fw, t, maxAbs(dc) * batch / minRowNorm(w, dim));
            float[] only = new float[w.length];
            cpu.cosineLogitsBackward(x, w, dim, dc, null, only);
            assertArrayEquals(fw, only, "weight gradient alone");

            float[] pairs = new float[batch];
            float[] pairsRef = new float[batch];
            float[] right = randomMatrix(r, batch, dim);
            cpu.pairCosines(x, right, dim, pairs);
            ref.pairCosines(x, right, dim, pairsRef);
            assertClose("pairCosines", pairsRef, pairs, tol, 1);
        }
    }

    @Property(tries = 15, seed = "20261128")
    void marginAndSoftmaxLayers(@ForAll @IntRange(min = 1, max = 13) int batch,
            @ForAll @IntRange(min = 3, max = 90) int classes, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ReferenceBackend ref = reference();
        try (CpuBackend cpu = cpu(1, 0, 32)) {
            for (Map.Entry<String, MarginSoftmax> e : catalogue().entrySet()) {
                MarginSoftmax loss = e.getValue();
                Problem p = problem(r, batch, 16, classes, loss.ignoreLabel());
                float[] cos = new float[batch * classes];
                ref.cosineLogits(p.features(), p.weights(), 16, cos);
                double scale = ref.forwardBackward(loss, p.features(), p.weights(), p.labels(), 16, null, null)
                        .scale();
                // one float rounding of each element, amplified by the scale in the softmax
                double tol = 8 * (scale + 1) * EPS * 16;
                String what = e.getKey();

                float[] f = new float[cos.length];
                float[] fRef = new float[cos.length];
                cpu.marginForward(loss, cos, p.labels(), f);
                ref.marginForward(loss, cos, p.labels(), fRef);
                assertClose(what + " marginForward", fRef, f, tol, 1);

                float[] df = new float[cos.length];
                float[] dfRef = new float[cos.length];
                LossResult a = cpu.scaledSoftmaxCrossEntropy(loss, scale, fRef, p.labels(), df);
                LossResult b = ref.scaledSoftmaxCrossEntropy(loss, scale, fRef, p.labels(), dfRef);
                assertResult(what + " scaledSoftmaxCrossEntropy", b, a, tol);
                assertClose(what + " scaledSoftmaxCrossEntropy grad", dfRef, df, tol, 2 * scale / batch);
                LossResult c = cpu.scaledSoftmaxCrossEntropy(loss, scale, fRef, p.labels(), null);
                assertEquals(a.loss(), c.loss(), 0.0, what + " loss without gradient");

                float[] dc = new float[cos.length];
                float[] dcRef = new float[cos.length];
                cpu.marginBackward(loss, cos, p.labels(), dfRef, dc);
                ref.marginBackward(loss, cos, p.labels(), dfRef, dcRef);
                assertClose(what + " marginBackward", dcRef, dc, tol, maxAbs(dfRef) * 4);
            }
        }
    }

    @Property(tries = 20, seed = "20261128")
    void topKMatchesBruteForce(@ForAll @IntRange(min = 1, max = 9) int queries,
            @ForAll @IntRange(min = 1, max = 120) int gallery, @ForAll @IntRange(min = 1, max = 33) int dim,
            @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] q = randomMatrix(r, queries, dim);
        float[] g = randomMatrix(r, gallery, dim);
        // duplicate rows create exact ties, which must resolve to the lower index
        if (gallery > 2) {
            System.arraycopy(g, 0, g, (gallery - 1) * dim, dim);
        }
        int k = 1 + r.nextInt(Math.min(gallery, 7));
        int[] idx = new int[queries * k];
        float[] scores = new float[queries * k];
        try (CpuBackend cpu = cpu(threads, 0, 32)) {
            cpu.topK(q, g, dim, k, idx, scores);
            float[] all = new float[queries * gallery];
            cpu.cosineLogits(q, g, dim, all);
            for (int i = 0; i < queries; i++) {
                // brute force over the same float cosines: sort by score, then index
                Integer[] order = new Integer[gallery];
                for (int j = 0; j < gallery; j++) {
                    order[j] = j;
                }
                int row = i;
                java.util.Arrays.sort(order, (a, b) -> {
                    int cmp = Float.compare(all[row * gallery + b], all[row * gallery + a]);
                    return cmp != 0 ? cmp : Integer.compare(a, b);
                });
                for (int rank = 0; rank < k; rank++) {
                    assertEquals(order[rank], idx[i * k + rank], "query " + i + " rank " + rank);
                    assertEquals(all[i * gallery + order[rank]], scores[i * k + rank], 0f);
                }
            }
            float[] refScores = new float[queries * k];
            int[] refIdx = new int[queries * k];
            reference().topK(q, g, dim, k, refIdx, refScores);
            assertClose("topK scores vs reference", refScores, scores, 4 * dim * EPS, 1);
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double minAbs(float[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (float v : a) {
            m = Math.min(m, Math.abs(v));
        }
        return m;
    }
}
