package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With an ICD loader that finds no vendor (OCL_ICD_VENDORS pointing at an empty folder, in a child JVM since the
 * environment cannot change in-process) the OpenCL backend is unusable with a precise reason.
 */
class OpenClNoPlatformTest {

    @Test
    void emptyVendorFolderMeansNoPlatform(@TempDir Path emptyVendors) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PrintAvailability.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.redirectErrorStream(true);
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        String opencl = output.lines().filter(l -> l.startsWith("opencl |")).findFirst().orElseThrow();
        assertTrue(opencl.equals("opencl | false | no OpenCL platform (the ICD loader found no driver)")
                || opencl.equals("opencl | false | libOpenCL.so.1 not found"), opencl);
        assertTrue(Files.isDirectory(emptyVendors));
    }
}
