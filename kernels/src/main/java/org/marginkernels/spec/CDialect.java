package org.marginkernels.spec;

import java.util.Map;
import org.marginkernels.spec.Expr.BinaryOp;
import org.marginkernels.spec.Expr.UnaryOp;

/**
 * The per-target table of the C printer: how a device function is declared and which single-precision intrinsic
 * each IR function maps to (OpenCL C overloads {@code cos} for float; CUDA C needs {@code cosf}).
 */
public enum CDialect {

    /** OpenCL C 1.2: overloaded float built-ins. */
    OPENCL("inline float", Map.of(
            UnaryOp.SQRT, "sqrt", UnaryOp.EXP, "exp", UnaryOp.EXPM1, "expm1", UnaryOp.LOG, "log",
            UnaryOp.COS, "cos", UnaryOp.SIN, "sin", UnaryOp.ACOS, "acos"),
            Map.of(BinaryOp.MIN, "fmin", BinaryOp.MAX, "fmax", BinaryOp.POW, "pow")),

    /** CUDA C compiled by NVRTC: the {@code f}-suffixed float functions of the CUDA math library. */
    CUDA("__device__ __forceinline__ float", Map.of(
            UnaryOp.SQRT, "sqrtf", UnaryOp.EXP, "expf", UnaryOp.EXPM1, "expm1f", UnaryOp.LOG, "logf",
            UnaryOp.COS, "cosf", UnaryOp.SIN, "sinf", UnaryOp.ACOS, "acosf"),
            Map.of(BinaryOp.MIN, "fminf", BinaryOp.MAX, "fmaxf", BinaryOp.POW, "powf"));

    private final String functionPrefix;
    private final Map<UnaryOp, String> unary;
    private final Map<BinaryOp, String> binary;

    CDialect(String functionPrefix, Map<UnaryOp, String> unary, Map<BinaryOp, String> binary) {
        this.functionPrefix = functionPrefix;
        this.unary = unary;
        this.binary = binary;
    }

    /** The declaration prefix of a device helper function returning float. */
    public String functionPrefix() {
        return functionPrefix;
    }

    String unaryName(UnaryOp op) {
        return unary.get(op);
    }

    String binaryName(BinaryOp op) {
        return binary.get(op);
    }
}
