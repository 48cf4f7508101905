package org.marginkernels.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.marginkernels.gpu.NativeLibrary;

/**
 * FFM bindings to NVRTC, the CUDA run-time compiler (CUDA C source to PTX). The library name carries the toolkit
 * version, so several names are tried; the system property {@value #PATH_PROPERTY} names an explicit path first.
 */
final class NvrtcApi {

    /** System property with an explicit path to libnvrtc.so, tried before the default names. */
    static final String PATH_PROPERTY = "marginkernels.nvrtc";

    final MethodHandle createProgram;
    final MethodHandle compileProgram;
    final MethodHandle getProgramLogSize;
    final MethodHandle getProgramLog;
    final MethodHandle getPtxSize;
    final MethodHandle getPtx;
    final MethodHandle destroyProgram;

    /**
     * Binds every entry point.
     *
     * @throws UnsupportedOperationException "libnvrtc.so not found (also tried ...)" or a missing symbol
     */
    NvrtcApi() {
        List<String> names = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            names.add(explicit);
        }
        names.addAll(List.of("libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                "/usr/local/cuda/lib64/libnvrtc.so"));
        NativeLibrary lib = NativeLibrary.open(names);
        createProgram = lib.function("nvrtcCreateProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compileProgram = lib.function("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                ADDRESS));
        getProgramLogSize = lib.function("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                ADDRESS));
        getProgramLog = lib.function("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtxSize = lib.function("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtx = lib.function("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        destroyProgram = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }
}
