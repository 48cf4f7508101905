package org.marginkernels.crossbackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.cpu.CpuBackend;
import org.marginkernels.gpu.GpuKernelBackend;
import org.marginkernels.testing.Tolerance;

/**
 * A training run whose loss parameters change every step (an ArcFace margin warm-up, an SV-Softmax t and a focal
 * gamma schedule) compiles nothing after its first step, and its memory stays flat: compiled code is cached by the
 * loss's structure and the parameters are arguments (issue 12). Each sampled step still gives the reference's
 * result, so the arguments really are the step's values.
 */
class ParameterScheduleTest {

    private static final int STEPS = 1000;
    private static final int BATCH = 5;
    private static final int CLASSES = 37;
    private static final int DIM = 8;
    /** Heap growth allowed over the run, after a full collection: a leak of one program or class per step is more. */
    private static final long HEAP_SLACK = 24L << 20;
    /** Classes the JVM may load lazily over the run (JIT and collector helpers); one per step would be 1000. */
    private static final int CLASS_SLACK = 100;

    /** Step k of {@link #STEPS}: m from 0 to 0.5, t from 1 to 2, gamma from 0.5 to 2. */
    private static MarginSoftmax lossAt(int step) {
        double f = step / (double) (STEPS - 1);
        return MarginSoftmax.builder().margin(Margins.arcFace(0.5 * f)).negative(NegativeTransform.svSoftmax(1 + f))
                .focal(0.5 + 1.5 * f).scale(30).build();
    }

    @Test
    void cpuCompilesNothingAfterTheFirstStep() {
        Backend cpu = SharedBackends.get("cpu", BackendOptions.defaults()).backend();
        Assumptions.assumeTrue(cpu != null, "cpu backend unavailable");
        CpuBackend impl = (CpuBackend) cpu.implementation();
        runSchedule(cpu, impl::compiledExpressionClasses);
    }

    @Test
    void openClCompilesNothingAfterTheFirstStep() {
        SharedBackends.Opened opened = SharedBackends.get("opencl", BackendOptions.defaults());
        Assumptions.assumeTrue(opened.backend() != null, () -> "opencl unavailable: " + opened.unavailableReason());
        GpuKernelBackend impl = (GpuKernelBackend) opened.backend().implementation();
        runSchedule(opened.backend(), impl::compiledPrograms);
        assertTrue(impl.cachedPrograms() <= GpuKernelBackend.MAX_PROGRAMS, "programs kept: " + impl.cachedPrograms());
    }

    private static void runSchedule(Backend backend, LongSupplier compilations) {
        Backend reference = SharedBackends.get("reference", BackendOptions.defaults()).backend();
        SplittableRandom r = new SplittableRandom(20261207L);
        float[] x = gaussian(r, BATCH * DIM);
        float[] w = gaussian(r, CLASSES * DIM);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = r.nextInt(CLASSES);
        }
        float[] dx = new float[x.length];
        float[] dw = new float[w.length];
        backend.forwardBackward(lossAt(0), x, w, y, DIM, dx, dw);
        long afterFirst = compilations.getAsLong();
        long heapBefore = 0;
        int classesBefore = 0;
        for (int step = 1; step < STEPS; step++) {
            MarginSoftmax loss = lossAt(step);
            LossResult result = backend.forwardBackward(loss, x, w, y, DIM, dx, dw);
            if (step == 10) {
                heapBefore = usedHeapAfterCollection();
                classesBefore = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
            }
            if (step % 333 == 0) {
                float[] rdx = new float[x.length];
                float[] rdw = new float[w.length];
                LossResult expected = reference.forwardBackward(loss, x, w, y, DIM, rdx, rdw);
                Tolerance.assertClose("loss at step " + step, expected.loss(), result.loss(), 1e-5, 1e-4);
                Tolerance.assertClose("dx at step " + step, rdx, dx, 1e-5, 1e-3);
                Tolerance.assertClose("dw at step " + step, rdw, dw, 1e-5, 1e-3);
            }
        }
        assertEquals(afterFirst, compilations.getAsLong(), "compilations after the first of " + STEPS + " steps");
        long heapGrowth = usedHeapAfterCollection() - heapBefore;
        int classGrowth = ManagementFactory.getClassLoadingMXBean().getLoadedClassCount() - classesBefore;
        assertTrue(heapGrowth < HEAP_SLACK, "heap grew by " + heapGrowth + " bytes over the run");
        assertTrue(classGrowth < CLASS_SLACK, classGrowth + " more classes loaded over the run");
    }

    private static long usedHeapAfterCollection() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian());
        }
        return a;
    }
}
