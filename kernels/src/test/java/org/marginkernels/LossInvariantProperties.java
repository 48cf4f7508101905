package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;

/** Invariants every catalogue loss must satisfy on the reference backend, at the usual scale 64 and at 128. */
class LossInvariantProperties {

    private static final Map<String, MarginSoftmax> LOSSES = LossCatalogue.all();
    private static Backend reference;

    @BeforeContainer
    static void open() {
        reference = Backends.named("reference");
    }

    @AfterContainer
    static void close() {
        reference.close();
    }

    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of(LOSSES.keySet());
    }

    @Property(tries = 200, seed = "1")
    void lossIsNonNegativeAndEverythingIsFinite(@ForAll("losses") String name,
            @ForAll @IntRange(min = 1, max = 9) int batch, @ForAll @IntRange(min = 1, max = 17) int dim,
            @ForAll @IntRange(min = 3, max = 13) int classes, @ForAll long seed, @ForAll boolean scale128) {
        MarginSoftmax loss = scale128 && LOSSES.get(name).scalePolicy() instanceof ScalePolicy.Fixed
                ? LOSSES.get(name).toBuilder().scale(128).build() : LOSSES.get(name);
        Problem p = Problem.forLoss(loss, seed, batch, dim, classes, 0.5, 0.2);
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        LossResult r = reference.forwardBackward(loss, p.features(), p.weights(), p.labels(), dim, gx, gw);
        assertTrue(r.loss() >= 0 && Double.isFinite(r.loss()), () -> name + " loss " + r.loss());
        for (float g : gx) {
            assertTrue(Float.isFinite(g), name + " feature gradient not finite");
        }
        for (float g : gw) {
            assertTrue(Float.isFinite(g), name + " weight gradient not finite");
        }
    }

    @Property(tries = 100, seed = "2")
    void zeroMarginEqualsNormalizedSoftmax(@ForAll @IntRange(min = 1, max = 6) int batch,
            @ForAll @IntRange(min = 2, max = 9) int dim, @ForAll @IntRange(min = 2, max = 9) int classes,
            @ForAll long seed) {
        Problem p = Problem.random(seed, batch, dim, classes, 0, 0);
        double plain = loss(Margins.none(), p);
        // combined(1, 0, 0) = cos(acos(c)): acos/cos round-trip error is ~1e-16 / sin(theta), so 1e-9 relative
        for (Margin zero : new Margin[] {Margins.arcFace(0), Margins.arcFaceEasy(0), Margins.cosFace(0),
                Margins.combined(1, 0, 0), Margins.sphereFace(1)}) {
            assertEquals(plain, loss(zero, p), 1e-9 * (1 + plain), zero.name());
        }
    }

    @Property(tries = 100, seed = "3")
    void permutingClassesAndLabelsTogetherLeavesLossAndGradientsUnchanged(@ForAll("losses") String name,
            @ForAll @IntRange(min = 1, max = 6) int batch, @ForAll @IntRange(min = 2, max = 9) int dim,
            @ForAll @IntRange(min = 3, max = 9) int classes, @ForAll long seed) {
        MarginSoftmax loss = LOSSES.get(name);
        Problem p = Problem.forLoss(loss, seed, batch, dim, classes, 0.3, 0.2);
        int[] perm = permutation(new Random(seed), classes);
        // a class's rows move together: its K sub-centers (one row when K = 1)
        int block = loss.subCenters() * dim;
        float[] w2 = new float[p.weights().length];
        for (int j = 0; j < classes; j++) {
            System.arraycopy(p.weights(), j * block, w2, perm[j] * block, block);
        }
        int[] y2 = p.labels().clone();
        for (int i = 0; i < batch; i++) {
            y2[i] = y2[i] < 0 ? y2[i] : perm[y2[i]];
        }
        float[] gx = new float[p.features().length];
        float[] gw = new float[w2.length];
        float[] gx2 = new float[gx.length];
        float[] gw2 = new float[w2.length];
        double l1 = reference.forwardBackward(loss, p.features(), p.weights(), p.labels(), dim, gx, gw).loss();
        double l2 = reference.forwardBackward(loss, p.features(), w2, y2, dim, gx2, gw2).loss();
        // only the summation order of the log-sum-exp changes: a few ulps of double
        assertEquals(l1, l2, 1e-12 * (1 + l1), name);
        Tolerance.assertClose(name + " dX", gx, gx2, 1e-6 * Tolerance.maxAbs(gx) + 1e-12, 1e-6);
        float[] gwBack = new float[gw.length];
        for (int j = 0; j < classes; j++) {
            System.arraycopy(gw2, perm[j] * block, gwBack, j * block, block);
        }
        Tolerance.assertClose(name + " dW", gw, gwBack, 1e-6 * Tolerance.maxAbs(gw) + 1e-12, 1e-6);
    }

    /**
     * Scaling a raw row by a power of two scales its norm exactly and leaves its normalized row bit-identical, so the
     * loss is bit-identical and that row's gradient is divided by exactly the same power of two.
     */
    @Property(tries = 100, seed = "4")
    void scalingARawRowLeavesTheLossUnchanged(@ForAll("losses") String name,
            @ForAll @IntRange(min = 1, max = 6) int batch, @ForAll @IntRange(min = 1, max = 9) int dim,
            @ForAll @IntRange(min = 3, max = 9) int classes, @ForAll long seed,
            @ForAll @IntRange(min = -3, max = 3) int exponent, @ForAll boolean scaleFeature) {
        MarginSoftmax loss = LOSSES.get(name);
        // a loss that reads the feature norm (AdaFace, MagFace) depends on the scale of a feature row by design
        Assume.that(!(scaleFeature && loss.spec().readsNorm()));
        Problem p = Problem.forLoss(loss, seed, batch, dim, classes, 0.3, 0.2);
        Problem q = p.copy();
        float factor = (float) Math.scalb(1.0, exponent);
        float[] scaled = scaleFeature ? q.features() : q.weights();
        for (int k = 0; k < dim; k++) {
            scaled[k] *= factor;
        }
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        float[] gx2 = gx.clone();
        float[] gw2 = gw.clone();
        double l1 = reference.forwardBackward(loss, p.features(), p.weights(), p.labels(), dim, gx, gw).loss();
        double l2 = reference.forwardBackward(loss, q.features(), q.weights(), q.labels(), dim, gx2, gw2).loss();
        assertEquals(l1, l2, 0.0, name);
        float[] g1 = scaleFeature ? gx : gw;
        float[] g2 = scaleFeature ? gx2 : gw2;
        for (int k = 0; k < dim; k++) {
            g1[k] /= factor;
        }
        // exact, except that dividing a subnormal gradient by the factor (at most 2^3) rounds off its last bits
        for (int k = 0; k < g1.length; k++) {
            double subnormal = Math.abs(g2[k]) < 8 * Float.MIN_NORMAL ? 8 * Float.MIN_VALUE : 0;
            assertEquals(g1[k], g2[k], subnormal, name + " gradient " + k);
        }
    }

    private double loss(Margin margin, Problem p) {
        MarginSoftmax l = MarginSoftmax.builder().margin(margin).scale(30).build();
        return reference.forward(l, p.features(), p.weights(), p.labels(), p.dim()).loss();
    }

    private static int[] permutation(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
