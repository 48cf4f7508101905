package org.marginkernels.gpu.cuda;

import java.util.Map;

/** The names of CUDA driver (CUresult) and NVRTC (nvrtcResult) status codes, from cuda.h and nvrtc.h. */
public final class CudaErrors {

    private static final Map<Integer, String> DRIVER = Map.ofEntries(
            Map.entry(0, "CUDA_SUCCESS"),
            Map.entry(1, "CUDA_ERROR_INVALID_VALUE"),
            Map.entry(2, "CUDA_ERROR_OUT_OF_MEMORY"),
            Map.entry(3, "CUDA_ERROR_NOT_INITIALIZED"),
            Map.entry(4, "CUDA_ERROR_DEINITIALIZED"),
            Map.entry(34, "CUDA_ERROR_STUB_LIBRARY"),
            Map.entry(46, "CUDA_ERROR_DEVICE_UNAVAILABLE"),
            Map.entry(100, "CUDA_ERROR_NO_DEVICE"),
            Map.entry(101, "CUDA_ERROR_INVALID_DEVICE"),
            Map.entry(102, "CUDA_ERROR_DEVICE_NOT_LICENSED"),
            Map.entry(200, "CUDA_ERROR_INVALID_IMAGE"),
            Map.entry(201, "CUDA_ERROR_INVALID_CONTEXT"),
            Map.entry(209, "CUDA_ERROR_NO_BINARY_FOR_GPU"),
            Map.entry(218, "CUDA_ERROR_INVALID_PTX"),
            Map.entry(221, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND"),
            Map.entry(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"),
            Map.entry(300, "CUDA_ERROR_INVALID_SOURCE"),
            Map.entry(301, "CUDA_ERROR_FILE_NOT_FOUND"),
            Map.entry(400, "CUDA_ERROR_INVALID_HANDLE"),
            Map.entry(500, "CUDA_ERROR_NOT_FOUND"),
            Map.entry(600, "CUDA_ERROR_NOT_READY"),
            Map.entry(700, "CUDA_ERROR_ILLEGAL_ADDRESS"),
            Map.entry(701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"),
            Map.entry(702, "CUDA_ERROR_LAUNCH_TIMEOUT"),
            Map.entry(719, "CUDA_ERROR_LAUNCH_FAILED"),
            Map.entry(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"),
            Map.entry(804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"),
            Map.entry(999, "CUDA_ERROR_UNKNOWN"));

    private static final Map<Integer, String> NVRTC = Map.ofEntries(
            Map.entry(0, "NVRTC_SUCCESS"),
            Map.entry(1, "NVRTC_ERROR_OUT_OF_MEMORY"),
            Map.entry(2, "NVRTC_ERROR_PROGRAM_CREATION_FAILURE"),
            Map.entry(3, "NVRTC_ERROR_INVALID_INPUT"),
            Map.entry(4, "NVRTC_ERROR_INVALID_PROGRAM"),
            Map.entry(5, "NVRTC_ERROR_INVALID_OPTION"),
            Map.entry(6, "NVRTC_ERROR_COMPILATION"),
            Map.entry(7, "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE"),
            Map.entry(8, "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION"),
            Map.entry(9, "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION"),
            Map.entry(10, "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID"),
            Map.entry(11, "NVRTC_ERROR_INTERNAL_ERROR"));

    private CudaErrors() {
    }

    /** The CUresult name of {@code code}, such as CUDA_ERROR_INVALID_VALUE, or "CUDA error N". */
    public static String driverName(int code) {
        return DRIVER.getOrDefault(code, "CUDA error " + code);
    }

    /** The nvrtcResult name of {@code code}, such as NVRTC_ERROR_COMPILATION, or "NVRTC error N". */
    public static String nvrtcName(int code) {
        return NVRTC.getOrDefault(code, "NVRTC error " + code);
    }

    /**
     * Throws when a driver call failed.
     *
     * @throws IllegalStateException "CALL failed: NAME (CODE)"
     */
    static void checkDriver(int code, String call) {
        if (code != 0) {
            throw new IllegalStateException(call + " failed: " + driverName(code) + " (" + code + ")");
        }
    }

    /**
     * Throws when an NVRTC call failed.
     *
     * @throws IllegalStateException "CALL failed: NAME (CODE)"
     */
    static void checkNvrtc(int code, String call) {
        if (code != 0) {
            throw new IllegalStateException(call + " failed: " + nvrtcName(code) + " (" + code + ")");
        }
    }
}
