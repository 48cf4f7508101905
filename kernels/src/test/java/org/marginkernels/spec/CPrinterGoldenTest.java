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
 * {@code src/test/resources/golden/}: {@link CPrinter#lossFunctions}, the text every GPU program includes (the gpu
 * module's golden test checks a program is its template plus exactly these functions). To regenerate after an intended change, run the tests with
 * {@code -Dmarginkernels.golden.update=true} (it writes into src/test/resources) and review the diff.
 */
class CPrinterGoldenTest {

    static Stream<Arguments> cases() {
        return LossCatalogue.all().keySet().stream()
                .flatMap(name -> Stream.of(CDialect.values()).map(d -> Arguments.of(name, d)));
    }

    /** The regression losses of distinct structure: Wing (every w, epsilon) and Adaptive Wing. */
    static Stream<Arguments> regressionCases() {
        return Stream.of("wing", "adaptive-wing")
                .flatMap(name -> Stream.of(CDialect.values()).map(d -> Arguments.of(name, d)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void printedSourceMatchesGolden(String name, CDialect dialect) throws IOException {
        assertGolden(name + (dialect == CDialect.OPENCL ? ".cl" : ".cu"), print(LossCatalogue.all().get(name),
                dialect));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("regressionCases")
    void printedRegressionSourceMatchesGolden(String name, CDialect dialect) throws IOException {
        assertGolden("regression-" + name + (dialect == CDialect.OPENCL ? ".cl" : ".cu"),
                CPrinter.regressionFunctions(LossCatalogue.regressions().get(name).spec(), dialect));
    }

    @Test
    void wingPrintsNoParameterValue() {
        String a = CPrinter.regressionFunctions(LossCatalogue.regressions().get("wing").spec(), CDialect.OPENCL);
        String b = CPrinter.regressionFunctions(LossCatalogue.regressions().get("wing-narrow").spec(),
                CDialect.OPENCL);
        assertEquals(a, b, "Wing losses of any w and epsilon print the same functions");
        assertTrue(a.contains("fabs(x)") && a.contains("log1p("), a);
    }

    private void assertGolden(String file, String text) throws IOException {
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
        Expr target = LossCatalogue.all().get("arcface").spec().target();
        String cuda = CPrinter.function("f", target, List.of(Exprs.COSINE), false, CDialect.CUDA);
        String opencl = CPrinter.function("f", target, List.of(Exprs.COSINE), false, CDialect.OPENCL);
        assertTrue(cuda.contains("sqrtf(") && cuda.contains("fminf(") && cuda.contains("__device__"), cuda);
        assertTrue(opencl.contains("sqrt(") && opencl.contains("fmin("), opencl);
        assertFalse(opencl.contains("sqrtf("), opencl);
    }

    @Test
    void sharedSubexpressionsBecomeTemporaries() {
        String text = CPrinter.function("f", LossCatalogue.all().get("arcface").spec().targetGradient(),
                List.of(Exprs.COSINE), false, CDialect.OPENCL);
        assertTrue(text.contains("const float t0 = "), text);
    }

    /** The loss's device functions, exactly as every GPU program includes them. */
    static String print(MarginSoftmax loss, CDialect d) {
        return CPrinter.lossFunctions(loss.spec(), d);
    }
}
