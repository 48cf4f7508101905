package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;

/**
 * Pins the printed C of every catalogue loss, in both dialects, to golden files in
 * {@code src/test/resources/golden/}. To regenerate after an intended change, run the tests with
 * {@code -Dmarginkernels.golden.update=true} (it writes into src/test/resources) and review the diff.
 */
class CPrinterGoldenTest {

    static Stream<Arguments> cases() {
        return LossCatalogue.all().keySet().stream()
                .flatMap(name -> Stream.of(CDialect.values()).map(d -> Arguments.of(name, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void printedSourceMatchesGolden(String name, CDialect dialect) throws IOException {
        String text = print(LossCatalogue.all().get(name), dialect);
        String file = name + (dialect == CDialect.OPENCL ? ".cl" : ".cu");
        if (Boolean.getBoolean("marginkernels.golden.update")) {
            Path dir = Path.of("src/test/resources/golden");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
        }
        try (InputStream in = getClass().getResourceAsStream("/golden/" + file)) {
            assertTrue(in != null, "missing golden file " + file + "; run with -Dmarginkernels.golden.update=true");
            assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), text, file);
        }
    }

    @Test
    void printingIsDeterministic() {
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            for (CDialect d : CDialect.values()) {
                assertEquals(print(e.getValue(), d), print(LossCatalogue.all().get(e.getKey()), d), e.getKey());
            }
        }
    }

    @Test
    void cudaUsesFloatIntrinsicsAndOpenClOverloads() {
        String cuda = print(LossCatalogue.all().get("arcface"), CDialect.CUDA);
        String opencl = print(LossCatalogue.all().get("arcface"), CDialect.OPENCL);
        assertTrue(cuda.contains("sqrtf(") && cuda.contains("fminf(") && cuda.contains("__device__"), cuda);
        assertTrue(opencl.contains("sqrt(") && opencl.contains("fmin("), opencl);
        assertFalse(opencl.contains("sqrtf("), opencl);
    }

    @Test
    void sharedSubexpressionsBecomeTemporaries() {
        String text = CPrinter.function("f", LossCatalogue.all().get("arcface").spec().targetGradient(),
                List.of(Exprs.COSINE), CDialect.OPENCL);
        assertTrue(text.contains("const float t0 = "), text);
    }

    /** All of a loss's device functions, in the order a kernel template includes them. */
    static String print(MarginSoftmax loss, CDialect d) {
        KernelSpec s = loss.spec();
        List<Expr.Var> c = List.of(Exprs.COSINE);
        List<Expr.Var> cfy = List.of(Exprs.COSINE, Exprs.TARGET);
        StringBuilder sb = new StringBuilder();
        sb.append(CPrinter.function("mk_target", s.target(), c, d));
        sb.append(CPrinter.function("mk_target_grad", s.targetGradient(), c, d));
        s.negative().ifPresent(g -> sb.append(CPrinter.function("mk_negative", g, cfy, d)));
        s.negativeGradient().ifPresent(g -> sb.append(CPrinter.function("mk_negative_grad", g, cfy, d)));
        s.negativeTargetGradient().ifPresent(g -> sb.append(CPrinter.function("mk_negative_grad_fy", g, cfy, d)));
        sb.append(CPrinter.function("mk_row_loss", s.rowLoss(), List.of(Exprs.LOG_PROB), d));
        sb.append(CPrinter.function("mk_row_loss_grad", s.rowLossGradient(), List.of(Exprs.LOG_PROB), d));
        return sb.toString();
    }
}
