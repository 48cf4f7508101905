package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.gpu.cuda.CudaBackendProvider;
import org.marginkernels.gpu.opencl.OpenClBackendProvider;

/** The providers are found by ServiceLoader and report unavailability with a precise reason. */
class BackendDiscoveryTest {

    @Test
    void bothProvidersAreListedInPreferenceOrder() {
        List<String> names = Backends.names();
        assertTrue(names.indexOf("cuda") >= 0 && names.indexOf("opencl") > names.indexOf("cuda"), names::toString);
        assertEquals(300, new CudaBackendProvider().preference());
        // behind "cpu" (100): best() must not load an OpenCL driver by itself
        assertEquals(50, new OpenClBackendProvider().preference());
    }

    @Test
    void missingOpenClLibraryIsReportedByName() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> OpenClBackendProvider.create(BackendOptions.defaults(), "libOpenCL-nonexistent.so.7"));
        assertEquals("libOpenCL-nonexistent.so.7 not found", e.getMessage());
    }

    @Test
    void missingCudaDriverIsReportedByName() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> CudaBackendProvider.create(BackendOptions.defaults(), "libcuda-nonexistent.so.1"));
        assertEquals("libcuda-nonexistent.so.1 not found", e.getMessage());
    }

    @Test
    void cudaIsEitherUsableOrSaysWhyNot() {
        try (Backend cuda = Backends.named("cuda")) {
            assertEquals("cuda", cuda.name());
        } catch (UnsupportedOperationException e) {
            assertTrue(e.getMessage().startsWith("backend 'cuda' is not usable here: "), e.getMessage());
            assertTrue(e.getMessage().length() > "backend 'cuda' is not usable here: ".length() + 5,
                    "the reason must be stated: " + e.getMessage());
        }
    }

    @Test
    void bestPicksOpenClWhenCudaIsMissing() {
        // this module's test classpath has no "cpu" backend, so OpenCL outranks the reference even on PoCL
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
        boolean cudaUsable = Backends.availability().stream().anyMatch(a -> a.name().equals("cuda") && a.usable());
        Assumptions.assumeFalse(cudaUsable, "CUDA is usable here, so best() rightly prefers it");
        try (Backend best = Backends.best()) {
            assertEquals("opencl", best.name());
        }
    }
}
