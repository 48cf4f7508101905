package org.marginkernels.gpu;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.ZERO;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spec.CPrinter;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.KernelSpec;

/**
 * Prints the device source of one loss: the dialect prelude, the loss functions printed from the kernel spec by
 * {@link CPrinter}, then the shared kernel body (resource {@code margin_kernels.c}). Deterministic: the same spec and
 * dialect always print the same text, which is also the key of the compiled-program cache.
 */
public final class KernelSource {

    private static final String BODY = loadBody();
    private static final List<Expr.Var> C_FY = List.of(COSINE, TARGET);

    private KernelSource() {
    }

    /**
     * The complete source for {@code spec} in {@code dialect}: mk_negative g(c, fy), mk_negative_grad dg/dc,
     * mk_negative_target_grad dg/dfy (identity, 1 and 0 when the spec has no negative transform), and every kernel.
     * The target transform f(c_y) and f'(c_y) are not printed: they are per-row values the host evaluates in double
     * (as the reference does), so a clamp bound such as 1 - 1e-7, which float cannot hold, is applied exactly.
     *
     * @param spec the loss. Not modified.
     * @param dialect OpenCL C or CUDA C
     */
    public static String print(KernelSpec spec, CDialect dialect) {
        return header(dialect) + lossFunctions(spec, dialect) + BODY;
    }

    /** The loss-independent head of every program: a banner and the dialect's macro prelude. */
    static String header(CDialect dialect) {
        return "/* margin-kernels generated source; do not edit */\n" + dialect.prelude() + "\n";
    }

    /** The shared kernel body (resource {@code margin_kernels.c}), the same for every loss and dialect. */
    static String body() {
        return BODY;
    }

    /** The three device functions printed from the spec: the only loss-dependent part of a program. */
    static String lossFunctions(KernelSpec spec, CDialect dialect) {
        return CPrinter.function("mk_negative", spec.negative().orElse(COSINE), C_FY, dialect) + "\n"
                + CPrinter.function("mk_negative_grad", spec.negativeGradient().orElse(ONE), C_FY, dialect) + "\n"
                + CPrinter.function("mk_negative_target_grad", spec.negativeTargetGradient().orElse(ZERO), C_FY,
                        dialect) + "\n";
    }

    private static String loadBody() {
        try (InputStream in = KernelSource.class.getResourceAsStream("margin_kernels.c")) {
            if (in == null) {
                throw new IllegalStateException("resource org/marginkernels/gpu/margin_kernels.c is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
