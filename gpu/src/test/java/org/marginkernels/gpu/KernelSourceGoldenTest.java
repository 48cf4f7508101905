package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.spec.CDialect;
import org.marginkernels.spec.CPrinter;

/**
 * Pins the printed device source to golden files in {@code src/test/resources/golden/}: once per dialect the
 * loss-independent part ({@code template.<cl|cu>}: banner, macro prelude, kernel body); per catalogue loss and
 * dialect, that a program is exactly the header, then the loss's device functions ({@code CPrinter.lossFunctions},
 * whose text the kernels module's golden files pin), then the body. Any difference fails. After an intended change, regenerate with
 * {@code mvn -o -pl gpu test -Dtest=KernelSourceGoldenTest -Dmarginkernels.golden.update=true} and review the diff.
 */
class KernelSourceGoldenTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
    private static final boolean UPDATE = Boolean.getBoolean("marginkernels.golden.update");

    /** The launcher sizes grids with the same block and scan-group sizes the kernel body is written for. */
    @Test
    void launcherConstantsAreTheKernelBodysDefines() {
        assertTrue(KernelSource.body().contains("#define MK_BLOCK " + KernelLauncher.BLOCK + "\n"),
                "MK_BLOCK must be KernelLauncher.BLOCK = " + KernelLauncher.BLOCK);
        assertTrue(KernelSource.body().contains("#define MK_SCAN_GROUP " + KernelLauncher.SCAN_GROUP + "\n"),
                "MK_SCAN_GROUP must be KernelLauncher.SCAN_GROUP = " + KernelLauncher.SCAN_GROUP);
    }

    @TestFactory
    Stream<DynamicTest> printedSourceMatchesGoldenFiles() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CDialect dialect : CDialect.values()) {
            tests.add(DynamicTest.dynamicTest("template" + extension(dialect), () -> assertGolden(
                    "template" + extension(dialect), KernelSource.header(dialect) + KernelSource.body())));
            tests.add(DynamicTest.dynamicTest("regression-template" + extension(dialect), () -> assertGolden(
                    "regression-template" + extension(dialect),
                    KernelSource.header(dialect) + KernelSource.regressionBody())));
            for (Map.Entry<String, RegressionLoss> e : LossCatalogue.regressions().entrySet()) {
                String name = "regression " + e.getKey() + extension(dialect);
                tests.add(DynamicTest.dynamicTest(name, () -> assertEquals(KernelSource.header(dialect)
                        + CPrinter.regressionFunctions(e.getValue().spec(), dialect) + KernelSource.regressionBody(),
                        KernelSource.printRegression(e.getValue().spec(), dialect), "program layout of " + name)));
            }
            for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
                String name = e.getKey() + extension(dialect);
                // the loss functions are pinned once, by the kernels module's golden files of CPrinter.lossFunctions
                tests.add(DynamicTest.dynamicTest(name, () -> assertEquals(KernelSource.header(dialect)
                        + CPrinter.lossFunctions(e.getValue().spec(), dialect) + KernelSource.body(),
                        KernelSource.print(e.getValue().spec(), dialect), "program layout of " + name)));
            }
        }
        return tests.stream();
    }

    private static String extension(CDialect dialect) {
        return dialect == CDialect.OPENCL ? ".cl" : ".cu";
    }

    private static void assertGolden(String file, String printed) throws java.io.IOException {
        Path path = GOLDEN.resolve(file);
        if (UPDATE) {
            Files.createDirectories(GOLDEN);
            Files.writeString(path, printed, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(path), "missing golden file " + path + "; run with -Dmarginkernels.golden.update=true");
        assertEquals(Files.readString(path, StandardCharsets.UTF_8), printed, "printed source of " + file
                + " differs from its golden file");
    }

    /** A program of K &gt; 1 sub-centers is the K = 1 program with MK_SUBCENTERS defined after the header. */
    @Test
    void subCenterProgramsDefineTheirK() {
        MarginSoftmax loss = LossCatalogue.all().get("subcenter-arcface");
        for (CDialect dialect : CDialect.values()) {
            assertEquals(KernelSource.print(loss.spec(), dialect), KernelSource.print(loss.spec(), dialect, 1));
            assertEquals(KernelSource.header(dialect) + "#define MK_SUBCENTERS " + loss.subCenters() + "\n"
                    + CPrinter.lossFunctions(loss.spec(), dialect) + KernelSource.body(),
                    KernelSource.print(loss.spec(), dialect, loss.subCenters()));
        }
    }

    @Test
    void printingIsDeterministic() {
        for (MarginSoftmax loss : LossCatalogue.all().values()) {
            for (CDialect dialect : CDialect.values()) {
                assertEquals(KernelSource.print(loss.spec(), dialect), KernelSource.print(loss.spec(), dialect));
            }
        }
    }

    @Test
    void dialectsDifferOnlyInPreludeAndFunctionQualifiers() {
        MarginSoftmax loss = LossCatalogue.all().get("sv-softmax");
        String cl = KernelSource.print(loss.spec(), CDialect.OPENCL);
        String cu = KernelSource.print(loss.spec(), CDialect.CUDA);
        String body = cl.substring(cl.indexOf("/*\n * margin-kernels device code"));
        assertTrue(cu.endsWith(body), "the CUDA source must end with the same kernel body as the OpenCL source");
        assertFalse(Pattern.compile("__kernel|__global|get_local_id").matcher(body).find(),
                "the shared body must use the dialect macros only");
    }
}
