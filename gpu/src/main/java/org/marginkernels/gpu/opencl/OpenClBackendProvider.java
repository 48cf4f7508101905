package org.marginkernels.gpu.opencl;

import org.marginkernels.BackendOptions;
import org.marginkernels.gpu.GpuKernelBackend;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spi.BackendProvider;
import org.marginkernels.spi.KernelBackend;

/**
 * Provides the "opencl" backend: the shared kernel templates printed as OpenCL C, built by the platform compiler
 * and run through the system ICD loader (libOpenCL.so.1). Verified on PoCL (CPU); any conformant OpenCL 1.2+
 * platform with a device should work.
 */
public final class OpenClBackendProvider implements BackendProvider {

    /** The name users select it by. */
    public static final String NAME = "opencl";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * 50: behind "cpu" (100), so Backends.best() never loads an OpenCL driver on its own. Telling a GPU from a CPU
     * device (PoCL) needs the driver loaded, and drivers built on LLVM, PoCL among them, install signal handlers that
     * can replace the JVM's (a JMH fork crashed with SIGSEGV and no hs_err file after the probe loaded PoCL). Ask for
     * "opencl" by name to use it; "cuda" (300) stays ahead of "cpu" on NVIDIA machines.
     */
    @Override
    public int preference() {
        return 50;
    }

    /**
     * Opens device {@code options.device()} (counted across platforms).
     *
     * @throws UnsupportedOperationException "libOpenCL.so.1 not found", "no OpenCL platform ...", or a missing
     *         device
     */
    @Override
    public KernelBackend create(BackendOptions options) {
        return create(options, OpenClApi.LIBRARY);
    }

    /**
     * As {@link #create(BackendOptions)} with another ICD loader name (tests use a nonexistent one to check the
     * unavailability message).
     *
     * @throws UnsupportedOperationException when the library, a platform or the device is missing
     */
    public static GpuKernelBackend create(BackendOptions options, String libraryName) {
        return new GpuKernelBackend(NAME, OpenClRuntime.open(libraryName, options.device()), CDialect.OPENCL,
                options);
    }
}
