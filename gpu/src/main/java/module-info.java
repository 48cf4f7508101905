/**
 * The OpenCL and CUDA backends, driven through java.lang.foreign: run with
 * {@code --enable-native-access=org.marginkernels.gpu} (the JDK warns without it). The package is exported for the
 * device tools ({@code GpuCheck}, {@code GpuCrossCheck}, {@code GpuBenchmark}); the backends themselves are reached
 * through {@code org.marginkernels.Backends}.
 */
module org.marginkernels.gpu {
    requires org.marginkernels;

    exports org.marginkernels.gpu;

    provides org.marginkernels.spi.BackendProvider with org.marginkernels.gpu.opencl.OpenClBackendProvider,
            org.marginkernels.gpu.cuda.CudaBackendProvider;
}
