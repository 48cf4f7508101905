package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
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
import org.marginkernels.Reduction;

/**
 * The fused OpenCL forward/backward against the double-precision reference, for every catalogue loss on each
 * generated problem. Shapes include batch 1, primes, dims 7/8/9/15/16/17 around the 16-wide tile, and class counts
 * that are not multiples of the tile or that span several 1024-class chunks.
 *
 * <p>Tolerances: the device computes cosines in float (relative error about dim x 2^-24 &lt;= 1e-6) and they are
 * multiplied by the scale (&lt;= 64); measured worst errors over the catalogue are about 7e-6 (loss, relative to
 * max(1, |L|)) and 4e-6 (gradients, relative to the largest reference component), so 1e-4 leaves a 15x margin
 * while a wrong formula (a missing term, a wrong sign) gives errors of order 1. Problems with a cosine within 1e-5
 * of a branch of the loss are skipped for that loss, since float and double may legitimately take different sides.
 */
@AddLifecycleHook(OpenClAvailable.class)
class OpenClForwardBackwardProperties {

    static final double LOSS_TOLERANCE = 1e-4;
    static final double GRADIENT_TOLERANCE = 1e-4;

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.of(2, 3, 7, 8, 9, 15, 16, 17, 31, 64);
    }

    @Provide
    Arbitrary<Integer> classCounts() {
        return Arbitraries.of(3, 7, 16, 17, 31, 97, 1023, 1031, 2053);
    }

    @Property(tries = 25, seed = "20261128", shrinking = ShrinkingMode.OFF)
    void everyLossMatchesReference(@ForAll @IntRange(min = 1, max = 37) int batch,
            @ForAll("classCounts") int classes, @ForAll("dims") int dim, @ForAll boolean ignoreFirst,
            @ForAll boolean sum, @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        GpuTestSupport.Problem base = GpuTestSupport.Problem.random(seed, batch, classes, dim, ignoreFirst, -3);
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue().toBuilder().ignoreLabel(-3)
                    .reduction(sum ? Reduction.SUM : Reduction.MEAN).build();
            GpuTestSupport.Problem p = base.forLoss(loss);
            if (!GpuTestSupport.farFromKinks(loss, p, 1e-5)) {
                continue;
            }
            float[] gx = new float[p.x().length];
            float[] gw = new float[p.w().length];
            float[] rx = new float[p.x().length];
            float[] rw = new float[p.w().length];
            LossResult got = gpu.forwardBackward(loss, p.x(), p.w(), p.y(), dim, gx, gw);
            LossResult want = GpuTestSupport.reference().forwardBackward(loss, p.x(), p.w(), p.y(), dim, rx, rw);
            String what = e.getKey() + " batch=" + batch + " classes=" + classes + " dim=" + dim + " seed=" + seed;
            assertEquals(want.rows(), got.rows(), what);
            assertEquals(want.scale(), got.scale(), 1e-4 * want.scale(), what + ": scale");
            assertEquals(want.loss(), got.loss(), LOSS_TOLERANCE * Math.max(1, Math.abs(want.loss())), what);
            assertTrue(GpuTestSupport.relativeError(gx, rx) <= GRADIENT_TOLERANCE, what + ": dX error "
                    + GpuTestSupport.relativeError(gx, rx));
            assertTrue(GpuTestSupport.relativeError(gw, rw) <= GRADIENT_TOLERANCE, what + ": dW error "
                    + GpuTestSupport.relativeError(gw, rw));
        }
    }

    @Property(tries = 10, seed = "7", shrinking = ShrinkingMode.OFF)
    void forwardOnlyEqualsForwardOfForwardBackward(@ForAll @IntRange(min = 1, max = 20) int batch,
            @ForAll("classCounts") int classes, @ForAll("dims") int dim, @ForAll long seed) {
        Backend gpu = GpuTestSupport.openCl();
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(seed, batch, classes, dim, false, -1);
        MarginSoftmax loss = LossCatalogue.all().get("sv-softmax");
        LossResult forward = gpu.forward(loss, p.x(), p.w(), p.y(), dim);
        LossResult both = gpu.forwardBackward(loss, p.x(), p.w(), p.y(), dim, new float[p.x().length],
                new float[p.w().length]);
        assertEquals(both, forward, "the backward must not change the forward result");
    }
}
