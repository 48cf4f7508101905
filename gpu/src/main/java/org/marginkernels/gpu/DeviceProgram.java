package org.marginkernels.gpu;

/** Compiled device code (an OpenCL program with its kernels, a CUDA module); {@link #close()} releases it. */
public interface DeviceProgram extends AutoCloseable {

    @Override
    void close();
}
