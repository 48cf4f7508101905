package org.marginkernels.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.marginkernels.gpu.NativeLibrary;

/**
 * FFM bindings to the CUDA driver API (libcuda.so.1). The 64-bit entry points are bound by their versioned symbols
 * (cuMemAlloc_v2, cuMemcpyHtoD_v2, ...), as cuda.h maps them; CUdevice is an int, CUdeviceptr a 64-bit value, and
 * CUcontext, CUmodule, CUfunction and CUstream are addresses. Every function returns a CUresult status.
 */
final class CudaDriverApi {

    static final String LIBRARY = "libcuda.so.1";
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    final MethodHandle init;
    final MethodHandle deviceGetCount;
    final MethodHandle deviceGet;
    final MethodHandle deviceGetName;
    final MethodHandle deviceGetAttribute;
    final MethodHandle primaryCtxRetain;
    final MethodHandle primaryCtxRelease;
    final MethodHandle ctxSetCurrent;
    final MethodHandle ctxSynchronize;
    final MethodHandle moduleLoadData;
    final MethodHandle moduleGetFunction;
    final MethodHandle moduleUnload;
    final MethodHandle memAlloc;
    final MethodHandle memFree;
    final MethodHandle memcpyHtoD;
    final MethodHandle memcpyDtoH;
    final MethodHandle launchKernel;

    /**
     * Binds every entry point.
     *
     * @throws UnsupportedOperationException "libcuda.so.1 not found" or a missing symbol
     */
    CudaDriverApi(String libraryName) {
        NativeLibrary lib = NativeLibrary.open(List.of(libraryName));
        init = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        deviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        deviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                JAVA_INT));
        deviceGetAttribute = lib.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT));
        primaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT));
        primaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT,
                JAVA_INT));
        ctxSetCurrent = lib.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        ctxSynchronize = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        moduleLoadData = lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        moduleGetFunction = lib.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS));
        moduleUnload = lib.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        memAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        memcpyHtoD = lib.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS,
                JAVA_LONG));
        memcpyDtoH = lib.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
                JAVA_LONG));
        launchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }
}
