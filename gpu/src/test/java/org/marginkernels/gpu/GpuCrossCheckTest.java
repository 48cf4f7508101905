package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/**
 * The cross-check that gpu/check.sh runs, on every GPU backend usable here: on this build machine OpenCL (PoCL);
 * on a CUDA machine also CUDA, which makes {@code mvn -pl gpu test} there a hardware check of the CUDA path.
 */
class GpuCrossCheckTest {

    @ParameterizedTest
    @ValueSource(strings = {"opencl", "cuda"})
    void everyLossAndShapeWithinTolerance(String name) {
        Backend gpu;
        if (name.equals("opencl")) {
            Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                    () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
            gpu = GpuTestSupport.openCl();
        } else {
            try {
                gpu = Backends.named(name);
            } catch (UnsupportedOperationException e) {
                Assumptions.abort(e.getMessage());
                return;
            }
        }
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(csv, true, StandardCharsets.UTF_8)) {
            int failures = new GpuCrossCheck(GpuTestSupport.reference(), out).run(gpu);
            String report = csv.toString(StandardCharsets.UTF_8);
            assertEquals(0, failures, report);
            assertTrue(report.lines().filter(l -> l.endsWith(",ok")).count() >= 5 * 13, report);
        } finally {
            if (!name.equals("opencl")) {
                gpu.close();
            }
        }
    }
}
