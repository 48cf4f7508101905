package org.marginkernels.gpu;

import org.marginkernels.spec.CDialect;

/**
 * The macro prelude that maps the shared kernel body onto one dialect, in the manner of Babylon HAT: the body is
 * written once against KERNEL, GLOBAL, LOCAL_MEM, LOCAL_PTR, DEVICE, BARRIER(), LOCAL_X/Y, GROUP_X/Y, GLOBAL_X/Y
 * and the float math names, and only this table differs between OpenCL C and CUDA C.
 */
final class KernelPrelude {

    private KernelPrelude() {
    }

    /** The prelude text for {@code dialect}. */
    static String of(CDialect dialect) {
        return switch (dialect) {
            case OPENCL -> """
                    /* dialect: OpenCL C */
                    #define KERNEL __kernel
                    #define GLOBAL __global
                    #define LOCAL_MEM __local
                    #define LOCAL_PTR __local
                    #define DEVICE inline
                    #define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
                    #define LOCAL_X ((int) get_local_id(0))
                    #define LOCAL_Y ((int) get_local_id(1))
                    #define GROUP_X ((int) get_group_id(0))
                    #define GROUP_Y ((int) get_group_id(1))
                    #define GLOBAL_X ((int) get_global_id(0))
                    #define GLOBAL_Y ((int) get_global_id(1))
                    #define SQRTF sqrt
                    #define EXPF exp
                    #define LOGF log
                    #define FMAXF fmax
                    #define FABSF fabs
                    #define FMAF fma
                    #define ILOGBF ilogb
                    #define LDEXPF ldexp
                    """;
            case CUDA -> """
                    /* dialect: CUDA C (NVRTC) */
                    #define KERNEL extern "C" __global__
                    #define GLOBAL
                    #define LOCAL_MEM __shared__
                    #define LOCAL_PTR
                    #define DEVICE __device__ __forceinline__
                    #define BARRIER() __syncthreads()
                    #define LOCAL_X ((int) threadIdx.x)
                    #define LOCAL_Y ((int) threadIdx.y)
                    #define GROUP_X ((int) blockIdx.x)
                    #define GROUP_Y ((int) blockIdx.y)
                    #define GLOBAL_X ((int) (blockIdx.x * blockDim.x + threadIdx.x))
                    #define GLOBAL_Y ((int) (blockIdx.y * blockDim.y + threadIdx.y))
                    #define SQRTF sqrtf
                    #define EXPF expf
                    #define LOGF logf
                    #define FMAXF fmaxf
                    #define FABSF fabsf
                    #define FMAF fmaf
                    #define ILOGBF ilogbf
                    #define LDEXPF ldexpf
                    #ifndef INFINITY
                    #define INFINITY __int_as_float(0x7f800000)
                    #endif
                    """;
        };
    }
}
