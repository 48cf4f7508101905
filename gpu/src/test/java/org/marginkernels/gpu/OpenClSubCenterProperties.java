package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.marginkernels.Backend;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Sub-center ArcFace on OpenCL for K other than the catalogue's 3 (each K is a program of its own), against the
 * reference, at {@link OpenClForwardBackwardProperties}' tolerances (1e-4 relative), over class counts around the
 * 16-wide tile and one 1024-class chunk; and every sub-center row that is no row's nearest of its class gets an exact
 * zero gradient.
 */
@AddLifecycleHook(OpenClAvailable.class)
class OpenClSubCenterProperties {

    @Property(tries = 8, seed = "20261207", shrinking = ShrinkingMode.OFF)
    void subCentersMatchTheReference(@ForAll @IntRange(min = 1, max = 37) int batch,
            @ForAll @IntRange(min = 1, max = 1100) int classes, @ForAll @IntRange(min = 2, max = 5) int k,
            @ForAll @IntRange(min = 1, max = 33) int dim, @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).subCenters(k).scale(64).build();
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(seed, batch, classes, dim, true, -1).forLoss(loss);
        Assume.that(GpuTestSupport.farFromKinks(loss, p, 1e-5));
        float[] gx = new float[p.x().length];
        float[] gw = new float[p.w().length];
        float[] rx = new float[p.x().length];
        float[] rw = new float[p.w().length];
        LossResult got = gpu.forwardBackward(loss, p.x(), p.w(), p.y(), dim, gx, gw);
        LossResult want = GpuTestSupport.reference().forwardBackward(loss, p.x(), p.w(), p.y(), dim, rx, rw);
        String what = "K=" + k + " batch=" + batch + " classes=" + classes + " dim=" + dim + " seed=" + seed;
        assertEquals(want.loss(), got.loss(), OpenClForwardBackwardProperties.LOSS_TOLERANCE
                * Math.max(1, Math.abs(want.loss())), what);
        assertTrue(GpuTestSupport.relativeError(gx, rx) <= OpenClForwardBackwardProperties.GRADIENT_TOLERANCE,
                what + ": dX error " + GpuTestSupport.relativeError(gx, rx));
        assertTrue(GpuTestSupport.relativeError(gw, rw) <= OpenClForwardBackwardProperties.GRADIENT_TOLERANCE,
                what + ": dW error " + GpuTestSupport.relativeError(gw, rw));
        for (int r = 0; r < rw.length / dim; r++) {
            boolean referenceZero = true;
            boolean zero = true;
            for (int t = 0; t < dim; t++) {
                referenceZero &= rw[r * dim + t] == 0f;
                zero &= gw[r * dim + t] == 0f;
            }
            // a row no feature is nearest to: exactly zero on both
            if (referenceZero && nearestOfNone(p, r, k)) {
                assertTrue(zero, what + ": weight row " + r + " is no row's nearest sub-center");
            }
        }
    }

    /** True when weight row r (sub-center r % k of class r / k) is no feature row's nearest of that class. */
    private static boolean nearestOfNone(GpuTestSupport.Problem p, int r, int k) {
        int c = r / k;
        for (int i = 0; i < p.batch(); i++) {
            int best = 0;
            for (int s = 1; s < k; s++) {
                if (GpuTestSupport.cosine(p.x(), i, p.w(), c * k + s, p.dim())
                        > GpuTestSupport.cosine(p.x(), i, p.w(), c * k + best, p.dim())) {
                    best = s;
                }
            }
            if (best == r % k) {
                return false;
            }
        }
        return true;
    }
}
