package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Sub-center ArcFace on the cpu backend: K = 1 is plain ArcFace bit for bit; K &gt; 1 agrees with the reference
 * (tolerance of {@link CpuTestSupport#assertMatchesReference}) over several tiles, with the cosine cache and without
 * it (a workspace too small to cache any tile, so every pass computes the K-wide tile again), and each row's
 * gradient reaches only its nearest sub-center of each class.
 */
class SubCenterTest {

    private static final MarginSoftmax ARC_FACE = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64)
            .build();

    @Test
    void oneSubCenterIsPlainArcFaceBitForBit() {
        CpuTestSupport.Problem p = CpuTestSupport.problem(new SplittableRandom(3), 37, 33, 301, -1);
        MarginSoftmax one = ARC_FACE.toBuilder().subCenters(1).build();
        try (CpuBackend cpu = CpuTestSupport.cpu(2, 0, 32)) {
            float[] dx1 = new float[p.features().length];
            float[] dw1 = new float[p.weights().length];
            float[] dx2 = dx1.clone();
            float[] dw2 = dw1.clone();
            LossResult a = cpu.forwardBackward(ARC_FACE, p.features(), p.weights(), p.labels(), p.dim(), dx1, dw1);
            LossResult b = cpu.forwardBackward(one, p.features(), p.weights(), p.labels(), p.dim(), dx2, dw2);
            assertEquals(a.loss(), b.loss(), 0);
            assertArrayEquals(dx1, dx2);
            assertArrayEquals(dw1, dw2);
        }
    }

    @Property(tries = 12, seed = "20261207")
    void subCentersMatchTheReference(@ForAll @IntRange(min = 1, max = 40) int batch,
            @ForAll @IntRange(min = 1, max = 40) int dim, @ForAll @IntRange(min = 1, max = 150) int classes,
            @ForAll @IntRange(min = 2, max = 5) int k, @ForAll @IntRange(min = 1, max = 3) int threads,
            @ForAll boolean cached, @ForAll long seed) {
        MarginSoftmax loss = ARC_FACE.toBuilder().subCenters(k).build();
        CpuTestSupport.Problem p = subCenterProblem(new SplittableRandom(seed), batch, dim, classes, k);
        BackendOptions o = BackendOptions.defaults().withThreads(threads).withWorkspaceBytes(cached ? 1 << 26 : 1);
        try (CpuBackend cpu = new CpuBackend(CpuTestSupport.kernels(0), o, 16)) {
            CpuTestSupport.assertMatchesReference("subcenter K=" + k + (cached ? "" : " uncached"), loss, p, cpu);
        }
    }

    @Test
    void onlyTheNearestSubCenterOfEachClassGetsAGradient() {
        int k = 3;
        int dim = 9;
        CpuTestSupport.Problem p = subCenterProblem(new SplittableRandom(11), 1, dim, 40, k);
        assertEquals(40 * k * dim, p.weights().length);
        MarginSoftmax loss = ARC_FACE.toBuilder().subCenters(k).build();
        try (CpuBackend cpu = CpuTestSupport.cpu(1, 0, 16)) {
            float[] dw = new float[p.weights().length];
            cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), dim, null, dw);
            for (int c = 0; c < p.classes() / k; c++) {
                int nearest = 0;
                double best = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < k; s++) {
                    double cos = cosine(p.features(), 0, p.weights(), c * k + s, dim);
                    if (cos > best) {
                        best = cos;
                        nearest = s;
                    }
                }
                for (int s = 0; s < k; s++) {
                    boolean zero = true;
                    for (int t = 0; t < dim; t++) {
                        zero &= dw[(c * k + s) * dim + t] == 0f;
                    }
                    // the nearest one's gradient may underflow to 0 too (p_ij = e^(s (c_ij - max)) at s = 64)
                    assertTrue(s == nearest || zero, "class " + c + " sub-center " + s + " (nearest " + nearest + ")");
                }
            }
        }
    }

    /** {@link CpuTestSupport#problem} with each class weight row replaced by k noisy copies. */
    private static CpuTestSupport.Problem subCenterProblem(SplittableRandom r, int batch, int dim, int classes,
            int k) {
        CpuTestSupport.Problem p = CpuTestSupport.problem(r, batch, dim, classes, -1);
        float[] w = new float[p.weights().length * k];
        for (int c = 0; c < classes; c++) {
            for (int s = 0; s < k; s++) {
                for (int t = 0; t < dim; t++) {
                    float v = p.weights()[c * dim + t];
                    w[(c * k + s) * dim + t] = s == 0 ? v : (float) (v + CpuTestSupport.gaussian(r));
                }
            }
        }
        CpuTestSupport.fixZeroRows(w, dim);
        assertTrue(w.length == classes * k * dim);
        return new CpuTestSupport.Problem(p.features(), w, p.labels(), dim);
    }

    private static double cosine(float[] a, int ai, float[] b, int bi, int dim) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int t = 0; t < dim; t++) {
            dot += (double) a[ai * dim + t] * b[bi * dim + t];
            aa += (double) a[ai * dim + t] * a[ai * dim + t];
            bb += (double) b[bi * dim + t] * b[bi * dim + t];
        }
        return dot / Math.sqrt(aa * bb);
    }
}
