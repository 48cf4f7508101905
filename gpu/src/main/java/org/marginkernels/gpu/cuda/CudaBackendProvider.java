package org.marginkernels.gpu.cuda;

import org.marginkernels.BackendOptions;
import org.marginkernels.gpu.GpuKernelBackend;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spi.BackendProvider;
import org.marginkernels.spi.KernelBackend;

/**
 * Provides the "cuda" backend: the same kernel templates as OpenCL printed as CUDA C, compiled to PTX at run time by
 * NVRTC and run through the CUDA driver API. <strong>Unverified on hardware:</strong> no GPU was available where it
 * was written (every kernel was compiled to PTX by NVRTC 13 for compute_90, none was launched); run
 * {@code gpu/check.sh} on an NVIDIA machine to verify it (see gpu/README.md). Where no driver exists it reports
 * unavailable with the reason.
 */
public final class CudaBackendProvider implements BackendProvider {

    /** The name users select it by. */
    public static final String NAME = "cuda";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 300;
    }

    /**
     * Opens CUDA device {@code options.device()}.
     *
     * @throws UnsupportedOperationException "libcuda.so.1 not found", "no CUDA device", "libnvrtc.so not found ..."
     */
    @Override
    public KernelBackend create(BackendOptions options) {
        return create(options, CudaDriverApi.LIBRARY);
    }

    /**
     * As {@link #create(BackendOptions)} with another driver library name (tests use a nonexistent one).
     *
     * @throws UnsupportedOperationException when the driver, NVRTC or the device is missing
     */
    public static GpuKernelBackend create(BackendOptions options, String libraryName) {
        return new GpuKernelBackend(NAME, CudaRuntime.open(libraryName, options.device()), CDialect.CUDA, options);
    }
}
