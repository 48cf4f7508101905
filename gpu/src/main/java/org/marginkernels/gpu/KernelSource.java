package org.marginkernels.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spec.CPrinter;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;

/**
 * Prints the device source of one loss: the dialect prelude, the loss functions printed from the kernel spec by
 * {@link CPrinter}, then the shared kernel body (resource {@code margin_kernels.c}). Deterministic: the same spec and
 * dialect always print the same text (the compiled-program cache is keyed by the structure it is printed from).
 */
public final class KernelSource {

    private static final String BODY = load("margin_kernels.c");
    private static final String REGRESSION_BODY = load("regression_kernels.c");

    private KernelSource() {
    }

    /**
     * The complete source for {@code spec} in {@code dialect}: the header, the loss's device functions
     * ({@link CPrinter#lossFunctions}, pinned by the kernels module's golden files) and every kernel. The target
     * transform f(c_y) and f'(c_y) are not printed: they are per-row values the host evaluates in double (as the
     * reference does), so a clamp bound such as 1 - 1e-7, which float cannot hold, is applied exactly.
     *
     * @param spec the loss. Not modified.
     * @param dialect OpenCL C or CUDA C
     */
    public static String print(KernelSpec spec, CDialect dialect) {
        return header(dialect) + CPrinter.lossFunctions(spec, dialect) + BODY;
    }

    /**
     * The source for {@code spec} with {@code subCenters} sub-centers per class (Sub-center ArcFace): for K &gt; 1
     * the header, then {@code #define MK_SUBCENTERS K}, then the rest of {@link #print(KernelSpec, CDialect)}; for
     * K = 1 exactly that source.
     *
     * @param subCenters K, at least 1
     */
    public static String print(KernelSpec spec, CDialect dialect, int subCenters) {
        if (subCenters < 1) {
            throw new IllegalArgumentException("subCenters must be >= 1, got " + subCenters);
        }
        return subCenters == 1 ? print(spec, dialect)
                : header(dialect) + "#define MK_SUBCENTERS " + subCenters + "\n" + CPrinter.lossFunctions(spec, dialect)
                        + BODY;
    }

    /**
     * The complete source of a regression loss in {@code dialect}: the header, its device functions
     * ({@link CPrinter#regressionFunctions}) and the regression kernel (resource {@code regression_kernels.c}).
     *
     * @param spec the loss. Not modified.
     * @param dialect OpenCL C or CUDA C
     */
    public static String printRegression(RegressionSpec spec, CDialect dialect) {
        return header(dialect) + CPrinter.regressionFunctions(spec, dialect) + REGRESSION_BODY;
    }

    /** The loss-independent head of every program: a banner and the dialect's macro prelude. */
    static String header(CDialect dialect) {
        return "/* margin-kernels generated source; do not edit */\n" + dialect.prelude() + "\n";
    }

    /** The shared kernel body (resource {@code margin_kernels.c}), the same for every loss and dialect. */
    static String body() {
        return BODY;
    }

    /** The regression kernel body (resource {@code regression_kernels.c}), the same for every loss and dialect. */
    static String regressionBody() {
        return REGRESSION_BODY;
    }

    private static String load(String resource) {
        try (InputStream in = KernelSource.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource org/marginkernels/gpu/" + resource + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
