package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/**
 * Device-resident class weights on PoCL: every catalogue loss gives bit for bit what the per-call API gives (loss,
 * scale, state, dL/dfeatures, dL/dW), several SGD-with-momentum steps on the device end at the W that per-call steps
 * with the same update on the host reach, a step's bus traffic does not grow with the class count and stays under
 * the documented bound (under 1% of W's bytes at (256, 512, 100,000)), and bad arguments are rejected before
 * anything is written.
 */
class ResidentClassWeightsTest {

    private static final int DIM = 16;

    @BeforeEach
    void requireOpenCl() {
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
    }

    private static Backend openCl() {
        return GpuTestSupport.openCl();
    }

    @Test
    void everyCatalogueLossEqualsThePerCallStep() {
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue();
            GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED, 11, 37, DIM, true,
                    loss.ignoreLabel()).forLoss(loss);
            float[] gx = new float[p.x().length];
            float[] gw = new float[p.w().length];
            StepResult perCall = openCl().step(loss, LossState.empty(), p.x(), p.w(), p.y(), DIM, gx, gw);
            try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM)) {
                float[] rx = new float[p.x().length];
                float[] rw = new float[p.w().length];
                StepResult onDevice = resident.step(loss, LossState.empty(), p.x(), p.y(), rx);
                resident.downloadWeightGrad(rw);
                String name = e.getKey();
                assertEquals(perCall.result().loss(), onDevice.result().loss(), 0, name);
                assertEquals(perCall.result().scale(), onDevice.result().scale(), 0, name);
                assertEquals(perCall.state(), onDevice.state(), name);
                assertArrayEquals(gx, rx, name + " featureGrad");
                assertArrayEquals(gw, rw, name + " weightGrad");
            }
        }
    }

    @Test
    void sgdStepsOnTheDeviceEqualPerCallStepsWithTheSameUpdate() {
        double rate = 0.5;
        double momentum = 0.9;
        double decay = 5e-4;
        for (String name : new String[] {"arcface", "curricularface", "subcenter-arcface"}) {
            MarginSoftmax loss = LossCatalogue.named(name);
            GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 1, 9, 53, DIM, false,
                    loss.ignoreLabel()).forLoss(loss);
            float[] w = p.w().clone();
            float[] v = new float[w.length];
            float[] gw = new float[w.length];
            float[] gx = new float[p.x().length];
            LossState hostState = LossState.empty();
            LossState deviceState = LossState.empty();
            try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), w, DIM)) {
                float[] rx = new float[p.x().length];
                for (int step = 0; step < 3; step++) {
                    StepResult host = openCl().step(loss, hostState, p.x(), w, p.y(), DIM, gx, gw);
                    sgd(w, gw, v, (float) rate, (float) momentum, (float) decay);
                    hostState = host.state();
                    StepResult device = resident.step(loss, deviceState, p.x(), p.y(), rx);
                    resident.applySgd(rate, momentum, decay);
                    deviceState = device.state();
                    assertEquals(host.result().loss(), device.result().loss(), 0, name + " step " + step);
                    assertArrayEquals(gx, rx, name + " featureGrad at step " + step);
                }
                float[] rw = new float[w.length];
                float[] rv = new float[w.length];
                resident.download(rw);
                resident.downloadMomentum(rv);
                assertArrayEquals(w, rw, name + " weights after 3 steps");
                assertArrayEquals(v, rv, name + " momentum after 3 steps");
                assertEquals(hostState, deviceState, name);
                assertTrue(!Arrays.equals(w, p.w()), "the steps must have moved W");
            }
        }
    }

    /** torch.optim.SGD (no dampening, not Nesterov) in the FMA order the device kernel documents. */
    private static void sgd(float[] w, float[] dw, float[] v, float rate, float momentum, float decay) {
        for (int e = 0; e < w.length; e++) {
            float d = Math.fma(decay, w[e], dw[e]);
            v[e] = Math.fma(momentum, v[e], d);
            w[e] = Math.fma(-rate, v[e], w[e]);
        }
    }

    @Test
    void stepTrafficIsIndependentOfTheClassCountAndUnderOnePercentOfW() {
        int batch = 8;
        for (String name : new String[] {"arcface", "curricularface", "subcenter-arcface", "adacos-dynamic",
                "sv-softmax", "arcface-label-smoothing"}) {
            MarginSoftmax loss = LossCatalogue.named(name);
            long[] perStep = new long[2];
            int[] classCounts = {4001, 8009};
            for (int t = 0; t < 2; t++) {
                GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 2, batch,
                        classCounts[t], DIM, true, loss.ignoreLabel()).forLoss(loss);
                try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM)) {
                    resident.step(loss, LossState.empty(), p.x(), p.y(), new float[p.x().length]);
                    perStep[t] = resident.lastStepTransfers().total();
                    long bound = ResidentClassWeights.stepBytesBound(batch, DIM, loss.subCenters(), loss.hasState());
                    assertTrue(perStep[t] <= bound, name + ": " + perStep[t] + " bytes > bound " + bound);
                    assertTrue(perStep[t] >= 2L * 4 * batch * DIM, name + ": features and their gradient cross");
                    assertTrue(perStep[t] < resident.weightBytes() / 100, name + ": " + perStep[t]
                            + " bytes per step, W holds " + resident.weightBytes());
                }
            }
            assertEquals(perStep[0], perStep[1], name + ": step traffic must not depend on the class count");
        }
        // the bound at the shape, for every loss kind: under 1% of W's 4 C D bytes
        long weightBytes = 4L * 100_000 * 512;
        long worst = ResidentClassWeights.stepBytesBound(256, 512, 1, true);
        assertTrue(worst * 100 < weightBytes, worst + " bytes per step vs W " + weightBytes);
        long subCenters = ResidentClassWeights.stepBytesBound(256, 512, 3, true);
        assertTrue(subCenters * 100 < 3 * weightBytes, subCenters + " bytes per step vs W " + 3 * weightBytes);
    }

    @Test
    void badArgumentsAreRejectedBeforeAnythingIsWritten() {
        MarginSoftmax loss = LossCatalogue.named("arcface");
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 3, 4, 7, DIM, false, -1);
        IllegalArgumentException notGpu = assertThrows(IllegalArgumentException.class,
                () -> ResidentClassWeights.upload(GpuTestSupport.reference(), p.w(), DIM));
        assertTrue(notGpu.getMessage().contains("backend"), notGpu.getMessage());
        float[] badW = p.w().clone();
        badW[DIM * 3 + 1] = Float.NaN;
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> ResidentClassWeights.upload(openCl(), badW, DIM));
        assertTrue(weights.getMessage().contains("weights"), weights.getMessage());
        try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM)) {
            float[] gx = new float[p.x().length];
            resident.forwardBackward(loss, p.x(), p.y(), gx);
            float[] dwBefore = new float[p.w().length];
            resident.downloadWeightGrad(dwBefore);
            float[] gxBefore = gx.clone();

            float[] badX = p.x().clone();
            badX[5] = Float.POSITIVE_INFINITY;
            assertNames("features", () -> resident.forwardBackward(loss, badX, p.y(), gx));
            int[] badY = p.y().clone();
            badY[2] = 7;
            assertNames("labels[2]", () -> resident.step(loss, LossState.empty(), p.x(), badY, gx));
            assertNames("featureGrad", () -> resident.forwardBackward(loss, p.x(), p.y(), new float[3]));
            assertNames("labels", () -> resident.forwardBackward(loss, p.x(), new int[] {0}, gx));
            assertNames("loss", () -> resident.forwardBackward(LossCatalogue.named("subcenter-arcface"), p.x(),
                    p.y(), gx));
            assertNames("learningRate", () -> resident.applySgd(-1, 0.9, 0));
            assertNames("weights", () -> resident.upload(new float[5]));
            assertNames("weights", () -> resident.download(new float[5]));

            assertArrayEquals(gxBefore, gx, "featureGrad must be untouched by a rejected call");
            float[] dwAfter = new float[p.w().length];
            resident.downloadWeightGrad(dwAfter);
            assertArrayEquals(dwBefore, dwAfter, "the resident dW must be untouched by a rejected call");
        }
    }

    private static void assertNames(String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(argument), "expected a message naming " + argument + ": "
                + e.getMessage());
    }

    @Test
    void anUpdateThatTakesARowOutOfRangeFailsTheNextStep() {
        MarginSoftmax loss = LossCatalogue.named("arcface");
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 4, 4, 7, DIM, false, -1);
        try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM)) {
            resident.forwardBackward(loss, p.x(), p.y(), null);
            resident.applySgd(1e38, 0, 0);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> resident.forwardBackward(loss, p.x(), p.y(), null));
            assertTrue(e.getMessage().contains("resident weights row"), e.getMessage());
        }
    }

    @Test
    void checkpointRoundTripAndClose() {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 5, 4, 9, DIM, false, -1);
        ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM);
        float[] back = new float[p.w().length];
        resident.download(back);
        assertArrayEquals(p.w(), back);
        float[] other = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 6, 4, 9, DIM, false, -1).w();
        resident.upload(other);
        resident.download(back);
        assertArrayEquals(other, back);
        float[] momentum = new float[p.w().length];
        Arrays.fill(momentum, 0.25f);
        resident.uploadMomentum(momentum);
        float[] m = new float[momentum.length];
        resident.downloadMomentum(m);
        assertArrayEquals(momentum, m);
        long inUse = ((GpuKernelBackend) openCl().implementation()).deviceBytesInUse();
        assertTrue(inUse >= 3 * resident.weightBytes(), "W, dW and momentum are allocated: " + inUse);
        resident.close();
        resident.close();
        assertEquals(inUse - 3 * resident.weightBytes(),
                ((GpuKernelBackend) openCl().implementation()).deviceBytesInUse(), "close frees W, dW, momentum");
        assertThrows(IllegalStateException.class, () -> resident.download(back));
    }

    @Test
    void forwardBackwardWithoutGradientArrayStillLeavesDwOnTheDevice() {
        MarginSoftmax loss = LossCatalogue.named("cosface");
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 7, 6, 13, DIM, false, -1);
        float[] gw = new float[p.w().length];
        LossResult perCall = openCl().forwardBackward(loss, p.x(), p.w(), p.y(), DIM, null, gw);
        try (ResidentClassWeights resident = ResidentClassWeights.upload(openCl(), p.w(), DIM)) {
            LossResult r = resident.forwardBackward(loss, p.x(), p.y(), null);
            float[] rw = new float[gw.length];
            resident.downloadWeightGrad(rw);
            assertEquals(perCall.loss(), r.loss(), 0);
            assertArrayEquals(gw, rw);
        }
    }
}
