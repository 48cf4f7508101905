package org.marginkernels.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.marginkernels.spec.Expr.BinaryOp;
import org.marginkernels.spec.Expr.UnaryOp;

/**
 * The one description of a C target: how a device function is declared, which single-precision intrinsic each IR
 * function maps to (OpenCL C overloads {@code cos} for float; CUDA C needs {@code cosf}), and the macro prelude that
 * maps the shared kernel body onto the target, in the manner of Babylon HAT: the body is written once against
 * KERNEL, GLOBAL, LOCAL_MEM, LOCAL_PTR, DEVICE, BARRIER(), LOCAL_X/Y, GROUP_X/Y, GLOBAL_X/Y and the float math
 * macros (SQRTF, EXPF, ...), and only this table differs between OpenCL C and CUDA C. The math macros the printer's
 * IR functions share take their names from the same intrinsic table the printer uses.
 */
public enum CDialect {

    /** OpenCL C 1.2: overloaded float built-ins. */
    OPENCL("OpenCL C", "inline float", Map.of(
            UnaryOp.SQRT, "sqrt", UnaryOp.EXP, "exp", UnaryOp.EXPM1, "expm1", UnaryOp.LOG, "log",
            UnaryOp.COS, "cos", UnaryOp.SIN, "sin", UnaryOp.ACOS, "acos", UnaryOp.ABS, "fabs",
            UnaryOp.LOG1P, "log1p"),
            Map.of(BinaryOp.MIN, "fmin", BinaryOp.MAX, "fmax", BinaryOp.POW, "pow"),
            List.of("KERNEL __kernel", "GLOBAL __global", "LOCAL_MEM __local", "LOCAL_PTR __local", "DEVICE inline",
                    "BARRIER() barrier(CLK_LOCAL_MEM_FENCE)", "LOCAL_X ((int) get_local_id(0))",
                    "LOCAL_Y ((int) get_local_id(1))", "GROUP_X ((int) get_group_id(0))",
                    "GROUP_Y ((int) get_group_id(1))", "GLOBAL_X ((int) get_global_id(0))",
                    "GLOBAL_Y ((int) get_global_id(1))"),
            List.of("fabs", "fma", "ilogb", "ldexp"), ""),

    /** CUDA C compiled by NVRTC: the {@code f}-suffixed float functions of the CUDA math library. */
    CUDA("CUDA C (NVRTC)", "__device__ __forceinline__ float", Map.of(
            UnaryOp.SQRT, "sqrtf", UnaryOp.EXP, "expf", UnaryOp.EXPM1, "expm1f", UnaryOp.LOG, "logf",
            UnaryOp.COS, "cosf", UnaryOp.SIN, "sinf", UnaryOp.ACOS, "acosf", UnaryOp.ABS, "fabsf",
            UnaryOp.LOG1P, "log1pf"),
            Map.of(BinaryOp.MIN, "fminf", BinaryOp.MAX, "fmaxf", BinaryOp.POW, "powf"),
            List.of("KERNEL extern \"C\" __global__", "GLOBAL", "LOCAL_MEM __shared__", "LOCAL_PTR",
                    "DEVICE __device__ __forceinline__", "BARRIER() __syncthreads()", "LOCAL_X ((int) threadIdx.x)",
                    "LOCAL_Y ((int) threadIdx.y)", "GROUP_X ((int) blockIdx.x)", "GROUP_Y ((int) blockIdx.y)",
                    "GLOBAL_X ((int) (blockIdx.x * blockDim.x + threadIdx.x))",
                    "GLOBAL_Y ((int) (blockIdx.y * blockDim.y + threadIdx.y))"),
            List.of("fabsf", "fmaf", "ilogbf", "ldexpf"),
            // NVRTC has no math headers: INFINITY from its bits
            "#ifndef INFINITY\n#define INFINITY __int_as_float(0x7f800000)\n#endif\n");

    /** The body's math macros beyond the IR functions, in prelude order: FABSF, FMAF, ILOGBF, LDEXPF. */
    private static final List<String> BODY_MATH = List.of("FABSF", "FMAF", "ILOGBF", "LDEXPF");

    private final String title;
    private final String functionPrefix;
    private final Map<UnaryOp, String> unary;
    private final Map<BinaryOp, String> binary;
    private final List<String> keywords;
    private final List<String> bodyMath;
    private final String tail;

    CDialect(String title, String functionPrefix, Map<UnaryOp, String> unary, Map<BinaryOp, String> binary,
            List<String> keywords, List<String> bodyMath, String tail) {
        this.title = title;
        this.functionPrefix = functionPrefix;
        this.unary = unary;
        this.binary = binary;
        this.keywords = keywords;
        this.bodyMath = bodyMath;
        this.tail = tail;
    }

    /** The declaration prefix of a device helper function returning float. */
    public String functionPrefix() {
        return functionPrefix;
    }

    /**
     * The macro prelude of a program in this dialect: a banner, the keyword macros, the float math macros
     * (SQRTF, EXPF, LOGF, FMAXF from the printer's intrinsic table, then FABSF, FMAF, ILOGBF, LDEXPF) and what the
     * target lacks.
     */
    public String prelude() {
        Map<String, String> math = new LinkedHashMap<>();
        math.put("SQRTF", unary.get(UnaryOp.SQRT));
        math.put("EXPF", unary.get(UnaryOp.EXP));
        math.put("LOGF", unary.get(UnaryOp.LOG));
        math.put("FMAXF", binary.get(BinaryOp.MAX));
        for (int i = 0; i < BODY_MATH.size(); i++) {
            math.put(BODY_MATH.get(i), bodyMath.get(i));
        }
        StringBuilder s = new StringBuilder("/* dialect: ").append(title).append(" */\n");
        for (String k : keywords) {
            s.append("#define ").append(k).append('\n');
        }
        math.forEach((macro, name) -> s.append("#define ").append(macro).append(' ').append(name).append('\n'));
        return s.append(tail).toString();
    }

    String unaryName(UnaryOp op) {
        return unary.get(op);
    }

    String binaryName(BinaryOp op) {
        return binary.get(op);
    }
}
