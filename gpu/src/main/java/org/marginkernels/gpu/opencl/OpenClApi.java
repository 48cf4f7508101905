package org.marginkernels.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.marginkernels.gpu.NativeLibrary;

/**
 * FFM bindings to the OpenCL ICD loader (libOpenCL.so.1): one downcall handle per entry point the backend uses.
 * Handles (cl_platform_id, cl_context, cl_mem, ...) are addresses; cl_int and cl_uint are Java ints; size_t,
 * cl_bitfield and cl_device_type are Java longs. Each method returns the raw status (or handle) of the C call.
 */
final class OpenClApi {

    static final String LIBRARY = "libOpenCL.so.1";

    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;
    static final long CL_MEM_READ_WRITE = 1;
    static final int CL_TRUE = 1;

    private final MethodHandle getPlatformIds;
    private final MethodHandle getPlatformInfo;
    private final MethodHandle getDeviceIds;
    private final MethodHandle getDeviceInfo;
    private final MethodHandle createContext;
    private final MethodHandle createCommandQueue;
    private final MethodHandle createBuffer;
    private final MethodHandle enqueueWriteBuffer;
    private final MethodHandle enqueueReadBuffer;
    private final MethodHandle createProgramWithSource;
    private final MethodHandle buildProgram;
    private final MethodHandle getProgramBuildInfo;
    private final MethodHandle createKernel;
    private final MethodHandle setKernelArg;
    private final MethodHandle enqueueNdRangeKernel;
    private final MethodHandle finish;
    private final MethodHandle releaseMemObject;
    private final MethodHandle releaseKernel;
    private final MethodHandle releaseProgram;
    private final MethodHandle releaseCommandQueue;
    private final MethodHandle releaseContext;

    /**
     * Binds every entry point of {@code libraryName}.
     *
     * @throws UnsupportedOperationException "LIBRARY not found" or "LIBRARY does not export FUNCTION"
     */
    OpenClApi(String libraryName) {
        NativeLibrary lib = NativeLibrary.open(List.of(libraryName));
        getPlatformIds = lib.function("clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
                ADDRESS));
        getPlatformInfo = lib.function("clGetPlatformInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_LONG, ADDRESS, ADDRESS));
        getDeviceIds = lib.function("clGetDeviceIDs", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
                JAVA_INT, ADDRESS, ADDRESS));
        getDeviceInfo = lib.function("clGetDeviceInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_LONG, ADDRESS, ADDRESS));
        createContext = lib.function("clCreateContext", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS));
        createCommandQueue = lib.function("clCreateCommandQueueWithProperties", FunctionDescriptor.of(ADDRESS,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        createBuffer = lib.function("clCreateBuffer", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG,
                JAVA_LONG, ADDRESS, ADDRESS));
        FunctionDescriptor transfer = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG,
                JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        enqueueWriteBuffer = lib.function("clEnqueueWriteBuffer", transfer);
        enqueueReadBuffer = lib.function("clEnqueueReadBuffer", transfer);
        createProgramWithSource = lib.function("clCreateProgramWithSource", FunctionDescriptor.of(ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        buildProgram = lib.function("clBuildProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS,
                ADDRESS, ADDRESS, ADDRESS));
        getProgramBuildInfo = lib.function("clGetProgramBuildInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
        createKernel = lib.function("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        setKernelArg = lib.function("clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_LONG, ADDRESS));
        enqueueNdRangeKernel = lib.function("clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        finish = lib.function("clFinish", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        FunctionDescriptor release = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        releaseMemObject = lib.function("clReleaseMemObject", release);
        releaseKernel = lib.function("clReleaseKernel", release);
        releaseProgram = lib.function("clReleaseProgram", release);
        releaseCommandQueue = lib.function("clReleaseCommandQueue", release);
        releaseContext = lib.function("clReleaseContext", release);
    }

    int getPlatformIds(int entries, MemorySegment platforms, MemorySegment count) {
        try {
            return (int) getPlatformIds.invokeExact(entries, platforms, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int getPlatformInfo(MemorySegment platform, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) getPlatformInfo.invokeExact(platform, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int getDeviceIds(MemorySegment platform, long type, int entries, MemorySegment devices, MemorySegment count) {
        try {
            return (int) getDeviceIds.invokeExact(platform, type, entries, devices, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int getDeviceInfo(MemorySegment device, int param, long size, MemorySegment value, MemorySegment sizeRet) {
        try {
            return (int) getDeviceInfo.invokeExact(device, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createContext(MemorySegment properties, int deviceCount, MemorySegment devices,
            MemorySegment error) {
        try {
            return (MemorySegment) createContext.invokeExact(properties, deviceCount, devices, MemorySegment.NULL,
                    MemorySegment.NULL, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createCommandQueue(MemorySegment context, MemorySegment device, MemorySegment error) {
        try {
            return (MemorySegment) createCommandQueue.invokeExact(context, device, MemorySegment.NULL, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createBuffer(MemorySegment context, long flags, long size, MemorySegment error) {
        try {
            return (MemorySegment) createBuffer.invokeExact(context, flags, size, MemorySegment.NULL, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int enqueueWriteBuffer(MemorySegment queue, MemorySegment buffer, long size, MemorySegment host) {
        try {
            return (int) enqueueWriteBuffer.invokeExact(queue, buffer, CL_TRUE, 0L, size, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int enqueueReadBuffer(MemorySegment queue, MemorySegment buffer, long size, MemorySegment host) {
        try {
            return (int) enqueueReadBuffer.invokeExact(queue, buffer, CL_TRUE, 0L, size, host, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createProgramWithSource(MemorySegment context, MemorySegment strings, MemorySegment lengths,
            MemorySegment error) {
        try {
            return (MemorySegment) createProgramWithSource.invokeExact(context, 1, strings, lengths, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int buildProgram(MemorySegment program, MemorySegment device, MemorySegment options) {
        try {
            return (int) buildProgram.invokeExact(program, 1, device, options, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int getProgramBuildInfo(MemorySegment program, MemorySegment device, int param, long size, MemorySegment value,
            MemorySegment sizeRet) {
        try {
            return (int) getProgramBuildInfo.invokeExact(program, device, param, size, value, sizeRet);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment createKernel(MemorySegment program, MemorySegment name, MemorySegment error) {
        try {
            return (MemorySegment) createKernel.invokeExact(program, name, error);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int setKernelArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        try {
            return (int) setKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int enqueueNdRangeKernel(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global,
            MemorySegment local) {
        try {
            return (int) enqueueNdRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int finish(MemorySegment queue) {
        return call(finish, queue);
    }

    int releaseMemObject(MemorySegment handle) {
        return call(releaseMemObject, handle);
    }

    int releaseKernel(MemorySegment handle) {
        return call(releaseKernel, handle);
    }

    int releaseProgram(MemorySegment handle) {
        return call(releaseProgram, handle);
    }

    int releaseCommandQueue(MemorySegment handle) {
        return call(releaseCommandQueue, handle);
    }

    int releaseContext(MemorySegment handle) {
        return call(releaseContext, handle);
    }

    private static int call(MethodHandle handle, MemorySegment argument) {
        try {
            return (int) handle.invokeExact(argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("OpenCL downcall failed", t);
    }
}
