package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spec.CDialect;

/**
 * The CUDA program of every catalogue loss compiles with nvcc to device code for sm_80 (A100) and sm_90 (H100), and
 * {@code ptxas -v} reports no register spills (no spill stores or loads) and no stack frame for the kernels of the
 * fused step and the resident-state kernels. Losses
 * whose printed programs are identical (the loss's parameters are kernel arguments, so e.g. ArcFace and CosFace share
 * one) are compiled once. Skipped by assumption, with the reason, where no nvcc is on the PATH. The ptxas figures
 * of gpu/README.md's register and shared-memory table are written to target/ptxas-report.txt.
 */
class NvccPtxasTest {

    /** The kernels a fused training step launches; each must compile without spills. */
    private static final List<String> MAIN_KERNELS = List.of("mk_fused_partials", "mk_fused_merge",
            "mk_fused_dx_partials", "mk_fused_dx_finish", "mk_fused_dw", "mk_target_cosines", "mk_row_norms",
            "mk_scale_rows", "mk_sgd_momentum", "mk_first_suspect_row", "mk_gather_target_rows");
    private static final List<String> ARCHS = List.of("sm_80", "sm_90");
    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+)'");
    private static final Pattern SPILLS = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    private static String nvcc;

    @BeforeAll
    static void findNvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "nvcc");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                nvcc = candidate.toString();
                return;
            }
        }
    }

    /** One kernel's ptxas report for one architecture. */
    record Report(String kernel, String arch, int registers, int sharedBytes, int stackBytes, int spillStores,
            int spillLoads) {
    }

    @Test
    void everyCatalogueLossCompilesForSm80AndSm90WithoutSpills(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(nvcc != null, "nvcc not on the PATH: the nvcc/ptxas compile check needs the CUDA "
                + "toolkit (NVRTC compiles are checked by NvrtcCompileTest)");
        Map<String, List<String>> lossesBySource = new LinkedHashMap<>();
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue();
            String source = KernelSource.print(loss.spec(), CDialect.CUDA, loss.subCenters());
            lossesBySource.computeIfAbsent(source, s -> new ArrayList<>()).add(e.getKey());
        }
        int program = 0;
        StringBuilder table = new StringBuilder();
        for (Map.Entry<String, List<String>> e : lossesBySource.entrySet()) {
            List<Report> reports = compile(dir, "program" + program++, e.getKey());
            String losses = String.join(", ", e.getValue());
            for (String arch : ARCHS) {
                for (String kernel : MAIN_KERNELS) {
                    Report r = reports.stream().filter(x -> x.kernel.equals(kernel) && x.arch.equals(arch))
                            .findFirst().orElseThrow(() -> new AssertionError(losses + ": no ptxas report of " + kernel
                                    + " for " + arch));
                    assertEquals(0, r.spillStores + r.spillLoads, losses + ": " + r + " spills");
                    // a stack frame is local memory too: the micro-tiles must stay in registers
                    assertEquals(0, r.stackBytes, losses + ": " + r + " keeps a stack frame");
                    table.append(String.format("%s %-22s %3d registers %6d bytes smem [%s]%n", arch, kernel,
                            r.registers, r.sharedBytes, losses));
                }
            }
        }
        assertTrue(program >= 2, "the catalogue prints more than one distinct program");
        // the figures of gpu/README.md's table, written where the build keeps its outputs rather than printed
        Files.writeString(Path.of("target", "ptxas-report.txt"), table, StandardCharsets.UTF_8);
    }

    @Test
    void parsesThePtxasLog() {
        String log = """
                ptxas info    : Compiling entry function 'mk_fused_dw' for 'sm_90'
                ptxas info    : Function properties for mk_fused_dw
                    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads
                ptxas info    : Used 96 registers, used 1 barriers, 25088 bytes smem, 456 bytes cmem[0]
                ptxas info    : Compiling entry function 'mk_zero' for 'sm_80'
                ptxas info    : Function properties for mk_zero
                    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 8 registers, 364 bytes cmem[0]
                """;
        assertEquals(List.of(new Report("mk_fused_dw", "sm_90", 96, 25088, 8, 4, 12),
                new Report("mk_zero", "sm_80", 8, 0, 0, 0, 0)), parse(log));
    }

    /** nvcc -fatbin (device code only; -cubin takes one architecture) for both architectures with ptxas -v; every kernel's registers, shared memory and spills. */
    private static List<Report> compile(Path dir, String name, String source) throws IOException,
            InterruptedException {
        Path cu = dir.resolve(name + ".cu");
        Files.writeString(cu, source, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(nvcc, "-fatbin", "-Xptxas", "-v", "-o",
                dir.resolve(name + ".fatbin").toString()));
        for (String arch : ARCHS) {
            command.add("-gencode");
            command.add("arch=compute_" + arch.substring(3) + ",code=" + arch);
        }
        command.add(cu.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "nvcc did not finish");
        assertEquals(0, p.exitValue(), "nvcc failed:\n" + log);
        return parse(log);
    }

    /** The ptxas -v log: per entry function, its "Function properties" spill line and its "Used" line. */
    static List<Report> parse(String log) {
        List<Report> reports = new ArrayList<>();
        String kernel = null;
        String arch = null;
        int stack = -1;
        int stores = -1;
        int loads = -1;
        for (String line : log.split("\n")) {
            Matcher entry = ENTRY.matcher(line);
            if (entry.find()) {
                kernel = entry.group(1);
                arch = entry.group(2);
                stack = -1;
                stores = -1;
                loads = -1;
                continue;
            }
            Matcher spills = SPILLS.matcher(line);
            if (spills.find() && kernel != null) {
                stack = Integer.parseInt(spills.group(1));
                stores = Integer.parseInt(spills.group(2));
                loads = Integer.parseInt(spills.group(3));
                continue;
            }
            Matcher used = USED.matcher(line);
            if (used.find() && kernel != null) {
                Matcher smem = SMEM.matcher(line);
                reports.add(new Report(kernel, arch, Integer.parseInt(used.group(1)),
                        smem.find() ? Integer.parseInt(smem.group(1)) : 0, stack, stores, loads));
                kernel = null;
            }
        }
        return reports;
    }
}
