package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;

/**
 * Ties at the SV-/MV-Softmax hard-negative test f_y &lt; c_j (issue 17, item 3): the reference decides it on float
 * values, so the cpu backend must give a class whose weights equal the target's exactly the target's cosine. It
 * computes the target cosine with the very operations of the cosine tile's GEMM; here every path (fused
 * forward+backward, forward only, the layer methods) agrees with the reference on identical weight rows, and the
 * target cosine equals the tile's entry bit for bit.
 */
class TiesTest extends CpuTestSupport {

    /** The first reproduction: D = 1, two identical unit weights, the reference gives log 2. */
    @Test
    void sphereFaceWithSvSoftmaxOnIdenticalRows() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.sphereFace(2, 1e6))
                .negative(NegativeTransform.svSoftmax(10)).scale(64).build();
        Problem p = new Problem(new float[] {1}, new float[] {1, 1}, new int[] {0}, 1);
        assertAllPathsMatch("sphereFace + svSoftmax", loss, p);
        try (CpuBackend cpu = cpu(1, 0, 32)) {
            assertEquals(Math.log(2), cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), 1, null, null)
                    .loss(), 1e-6);
        }
    }

    /** The second reproduction: random features, two identical weight rows, arcFace(0) + mvSoftmax(10). */
    @Test
    void arcFaceZeroWithMvSoftmaxOnIdenticalRows() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0))
                .negative(NegativeTransform.mvSoftmax(10)).scale(30).build();
        SplittableRandom r = new SplittableRandom(SEED);
        for (int dim : new int[] {1, 7, 64, 129}) {
            Problem p = withTwins(r, 12, dim, 70);
            assertAllPathsMatch("arcFace(0) + mvSoftmax, dim " + dim, loss, p);
        }
    }

    /** Two classes only, identical: every row's loss is log 2 whatever the features. */
    @Test
    void twoIdenticalClassesGiveLogTwo() {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0))
                .negative(NegativeTransform.mvSoftmax(10)).scale(30).build();
        SplittableRandom r = new SplittableRandom(SEED + 1);
        for (int dim : new int[] {3, 40, 512}) {
            float[] w = randomMatrix(r, 1, dim);
            float[] weights = new float[2 * dim];
            System.arraycopy(w, 0, weights, 0, dim);
            System.arraycopy(w, 0, weights, dim, dim);
            float[] x = randomMatrix(r, 9, dim);
            int[] y = {0, 1, 0, 1, 1, 0, 0, 1, 0};
            try (CpuBackend cpu = cpu(2, 0, 32)) {
                LossResult result = cpu.forwardBackward(loss, x, weights, y, dim, new float[x.length],
                        new float[weights.length]);
                assertEquals(Math.log(2), result.loss(), 1e-6, "dim " + dim + " (" + cpu.kernelsDescription() + ")");
            }
        }
    }

    /** The target cosine is the cosine tile's entry, bit for bit, for any shape, kernels and tile position. */
    @Property(tries = 60, seed = "20261207")
    void targetCosineIsTheTileEntry(@ForAll @IntRange(min = 1, max = 30) int batch,
            @ForAll @IntRange(min = 1, max = 70) int dim, @ForAll @IntRange(min = 1, max = 100) int classes,
            @ForAll long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = randomMatrix(r, batch, dim);
        float[] w = randomMatrix(r, classes, dim);
        CpuKernels kernels = kernels(0);
        int tile = 2 * kernels.panelWidth();
        ClassTiles ct = new ClassTiles(kernels, new Workspace(), x, w, dim, tile, true);
        float[] pack = new float[(int) ct.packFloats()];
        float[] cosines = new float[(int) ct.tileFloats()];
        for (int t = 0; t < ct.tiles; t++) {
            ct.cosineTile(t, 0, pack, cosines, 0);
            for (int i = 0; i < batch; i++) {
                for (int j = 0; j < ct.width(t); j++) {
                    float tileEntry = cosines[i * ct.tile + j];
                    float direct = ct.cosine(i, ct.start(t) + j, ct.rowBuffer());
                    int at = ct.start(t) + j;
                    assertEquals(Float.floatToIntBits(tileEntry), Float.floatToIntBits(direct),
                            () -> kernels.description() + " row " + batch + " class " + at + ": tile " + tileEntry
                                    + ", direct " + direct);
                }
            }
        }
    }

    /**
     * A random problem whose classes 3 and 17 (first and second tile at 32 classes per tile) and 50 and 51 are
     * identical, with rows labelled by each of them.
     */
    private static Problem withTwins(SplittableRandom r, int batch, int dim, int classes) {
        Problem p = problem(r, batch, dim, classes, -1);
        float[] w = p.weights();
        System.arraycopy(w, 3 * dim, w, 17 * dim, dim);
        System.arraycopy(w, 50 * dim, w, 51 * dim, dim);
        int[] y = p.labels();
        int[] twins = {3, 17, 50, 51};
        for (int i = 0; i < batch; i++) {
            y[i] = twins[i % twins.length];
        }
        float[] x = p.features();
        for (int k = 0; k < dim; k++) {
            // row 0 equals its class weight: a cosine of 1 for both twins
            x[k] = w[3 * dim + k];
        }
        return p;
    }

    /** Fused forward+backward, forward only, and the layer methods chained, all against the reference. */
    private static void assertAllPathsMatch(String what, MarginSoftmax loss, Problem p) {
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend cpu = cpu(threads, 0, 32)) {
                assertMatchesReference(what, loss, p, cpu);
                int batch = p.batch();
                int classes = p.classes();
                float[] cos = new float[batch * classes];
                cpu.cosineLogits(p.features(), p.weights(), p.dim(), cos);
                float[] margined = new float[cos.length];
                cpu.marginForward(loss, cos, p.labels(), margined);
                double scale = reference().forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), null,
                        null).scale();
                LossResult layered = cpu.scaledSoftmaxCrossEntropy(loss, scale, margined, p.labels(), null);
                LossResult expected = reference().forwardBackward(loss, p.features(), p.weights(), p.labels(),
                        p.dim(), null, null);
                assertResult(what + " layer methods", expected, layered, tolerance(scale, p.dim()));
            }
        }
    }
}
