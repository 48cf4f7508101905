package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.gpu.opencl.OpenClBackendProvider;

/**
 * What happens when things go wrong on a working OpenCL platform: compiler errors carry the build log, OpenCL status
 * codes are named, a missing device is reported, native memory does not grow over many launches, closing is
 * idempotent, and results are bitwise reproducible.
 */
class OpenClErrorPathTest {

    @BeforeEach
    void requireOpenCl() {
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
    }

    private static GpuKernelBackend impl() {
        return (GpuKernelBackend) GpuTestSupport.openCl().implementation();
    }

    @Test
    void brokenKernelSourceSurfacesTheBuildLog() {
        String broken = "__kernel void mk_broken(__global float* out) { out[0] = undeclared_name + 1.0f; }\n";
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> impl().runtime().compile(broken));
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
        assertTrue(e.getMessage().contains("build log"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_name"), "the log must name the offending identifier: "
                + e.getMessage());
    }

    @Test
    void launchErrorsNameTheOpenClStatus() {
        DeviceProgram program = impl().runtime().compile("__kernel void mk_two(__global float* a, int n) { }\n");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> impl().runtime().launch(program, "mk_missing", 1, 1, 1, 1));
            assertTrue(e.getMessage().contains("CL_INVALID_KERNEL_NAME"), e.getMessage());
        } finally {
            program.close();
        }
    }

    @Test
    void nonexistentDeviceIndexIsUnsupported() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> OpenClBackendProvider.create(BackendOptions.defaults().withDevice(999), "libOpenCL.so.1"));
        assertTrue(e.getMessage().contains("OpenCL device 999 does not exist"), e.getMessage());
    }

    @Test
    void resultsAreBitwiseReproducible() {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED, 19, 2053, 17, true, -1);
        MarginSoftmax loss = LossCatalogue.all().get("sv-softmax");
        float[][] first = run(loss, p);
        float[][] second = run(loss, p);
        assertArrayEquals(first[0], second[0], "dX must not depend on scheduling");
        assertArrayEquals(first[1], second[1], "dW must not depend on scheduling");
        assertEquals(first[2][0], second[2][0], "loss");
    }

    @Test
    void smallWorkspaceGivesTheSameGradients() {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 1, 9, 1031, 16, false, -1);
        MarginSoftmax loss = LossCatalogue.all().get("arcface");
        float[][] roomy = run(loss, p);
        try (GpuKernelBackend tight = OpenClBackendProvider.create(BackendOptions.defaults().withWorkspaceBytes(1),
                "libOpenCL.so.1")) {
            float[] gx = new float[p.x().length];
            float[] gw = new float[p.w().length];
            tight.forwardBackward(loss, p.x(), p.w(), p.y(), p.dim(), gx, gw);
            assertTrue(GpuTestSupport.relativeError(gx, roomy[0]) <= 1e-5, "one dX chunk vs many");
            assertArrayEquals(roomy[1], gw, "dW does not depend on the workspace");
        }
    }

    @Test
    void manyLaunchesKeepResidentMemoryFlat() throws IOException {
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED + 2, 16, 8192, 64, false, -1);
        MarginSoftmax loss = LossCatalogue.all().get("cosface");
        Backend gpu = GpuTestSupport.openCl();
        // gradient arrays reused and a GC before each reading, so Java heap growth does not count as native memory
        float[] gx = new float[p.x().length];
        float[] gw = new float[p.w().length];
        for (int i = 0; i < 30; i++) {
            gpu.forwardBackward(loss, p.x(), p.w(), p.y(), p.dim(), gx, gw);
        }
        System.gc();
        long before = residentKib();
        // each call allocates about 2.6 MiB of device (here: host) memory; a leak would add about 500 MiB
        for (int i = 0; i < 200; i++) {
            gpu.forwardBackward(loss, p.x(), p.w(), p.y(), p.dim(), gx, gw);
        }
        System.gc();
        long grown = residentKib() - before;
        assertTrue(grown < 64 * 1024, "VmRSS grew by " + grown + " KiB over 200 fused calls");
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        GpuKernelBackend b = OpenClBackendProvider.create(BackendOptions.defaults(), "libOpenCL.so.1");
        b.close();
        b.close();
        MarginSoftmax loss = LossCatalogue.all().get("none");
        assertThrows(IllegalStateException.class, () -> b.forwardBackward(loss, new float[] {1, 0},
                new float[] {1, 0, 0, 1}, new int[] {0}, 2, null, null));
    }

    private static float[][] run(MarginSoftmax loss, GpuTestSupport.Problem p) {
        float[] gx = new float[p.x().length];
        float[] gw = new float[p.w().length];
        LossResult r = GpuTestSupport.openCl().forwardBackward(loss, p.x(), p.w(), p.y(), p.dim(), gx, gw);
        return new float[][] {gx, gw, {(float) r.loss()}};
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
