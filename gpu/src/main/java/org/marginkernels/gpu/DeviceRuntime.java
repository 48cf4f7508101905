package org.marginkernels.gpu;

import java.lang.foreign.MemorySegment;

/**
 * The few driver operations the GPU backends need, implemented once per API (OpenCL, CUDA driver + NVRTC). Launches
 * are 2-D: {@code groupsX x groupsY} work-groups (CUDA blocks) of {@code localX x localY} work-items (threads);
 * kernel arguments are {@link DeviceBuffer}, {@link Integer} or {@link Float}. Operations run in order; reads block.
 */
public interface DeviceRuntime extends AutoCloseable {

    /** A one-line description: API, platform and device name. */
    String description();

    /**
     * Compiles device source (OpenCL: clCreateProgramWithSource + clBuildProgram; CUDA: nvrtcCompileProgram to PTX +
     * cuModuleLoadData).
     *
     * @throws IllegalStateException when compilation fails; the message holds the compiler log
     */
    DeviceProgram compile(String source);

    /** Allocates {@code bytes} of device memory (at least 1): clCreateBuffer / cuMemAlloc. */
    DeviceBuffer allocate(long bytes);

    /** Copies {@code host.byteSize()} bytes to {@code target}: clEnqueueWriteBuffer / cuMemcpyHtoD. Not modified. */
    void write(DeviceBuffer target, MemorySegment host);

    /**
     * Copies {@code host.byteSize()} bytes of {@code source} into {@code host} (modified), blocking:
     * clEnqueueReadBuffer / cuMemcpyDtoH.
     */
    void read(DeviceBuffer source, MemorySegment host);

    /**
     * Launches {@code kernel} of {@code program} on a {@code groupsX x groupsY} grid of {@code localX x localY}
     * work-items: clSetKernelArg + clEnqueueNDRangeKernel / cuLaunchKernel.
     */
    void launch(DeviceProgram program, String kernel, int groupsX, int groupsY, int localX, int localY,
            Object... args);

    /** Waits until every queued operation has finished: clFinish / cuCtxSynchronize. */
    void finish();

    /** Releases the context and queue; idempotent. Every other operation afterwards throws IllegalStateException. */
    @Override
    void close();
}
