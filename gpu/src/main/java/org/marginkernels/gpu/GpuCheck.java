package org.marginkernels.gpu;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/**
 * The GPU acceptance run for a machine with a GPU and a Java 25 runtime but no Maven (gpu/check.sh calls it):
 * reports which GPU backends are usable and why not, runs {@link GpuCrossCheck} against the reference on each usable
 * one, then {@link GpuBenchmark} (the per-call API) and {@link ResidentStepBenchmark} (a training step with
 * device-resident weights: bus bytes per step and peak device memory) at (256, 512, 100_000) and
 * (512, 512, 1_000_000). Writes availability.txt, checks.csv, benchmark.csv and resident.csv into the output folder
 * and echoes a summary. Exit status: 0 all checks passed and
 * CUDA was usable, 1 a check failed, 2 CUDA was not usable.
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -Xmx24g -cp margin-kernels-gpu.jar:margin-kernels.jar \
 *     org.marginkernels.gpu.GpuCheck OUT_DIR [--quick]
 * }</pre>
 */
public final class GpuCheck {

    private static final int[][] BENCHMARK_SHAPES = {{256, 512, 100_000}, {512, 512, 1_000_000}};

    private GpuCheck() {
    }

    /**
     * Runs the checks.
     *
     * @param args the output folder, then optionally {@code --quick} (one timed call per shape instead of five,
     *        and no 1M-class shape)
     * @throws IOException when the output folder cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: GpuCheck OUT_DIR [--quick]");
            System.exit(64);
        }
        Path out = Path.of(args[0]);
        boolean quick = args.length > 1 && args[1].equals("--quick");
        Files.createDirectories(out);
        int failures = 0;
        boolean cudaUsable = false;
        try (PrintStream availability = open(out.resolve("availability.txt"));
                PrintStream checks = open(out.resolve("checks.csv"));
                PrintStream bench = open(out.resolve("benchmark.csv"));
                PrintStream resident = open(out.resolve("resident.csv"));
                Backend reference = Backends.named("reference")) {
            List<Backend> gpus = new ArrayList<>();
            for (String name : List.of("cuda", "opencl")) {
                try {
                    Backend b = Backends.named(name);
                    gpus.add(b);
                    cudaUsable |= name.equals("cuda");
                    line(availability, name + ": usable, " + ((GpuKernelBackend) b.implementation()).device());
                } catch (UnsupportedOperationException e) {
                    line(availability, name + ": not usable: " + e.getMessage());
                }
            }
            GpuCrossCheck cross = new GpuCrossCheck(reference, checks);
            GpuBenchmark benchmark = new GpuBenchmark(bench, quick ? 1 : 5);
            resident.println(ResidentStepBenchmark.CSV_HEADER);
            for (Backend gpu : gpus) {
                long start = System.nanoTime();
                int failed = cross.run(gpu);
                failures += failed;
                line(availability, gpu.name() + ": cross-backend checks " + (failed == 0 ? "passed" : failed
                        + " FAILED") + " in " + (System.nanoTime() - start) / 1_000_000 + " ms (checks.csv)");
                for (int[] s : BENCHMARK_SHAPES) {
                    if (quick && s[2] > 100_000) {
                        continue;
                    }
                    double ms = benchmark.run(gpu, s[0], s[1], s[2]);
                    line(availability, String.format("%s: fused forward+backward B=%d D=%d C=%d: %.1f ms, %.1f GFLOP/s"
                            + " (6BCD, transfers included)", gpu.name(), s[0], s[1], s[2], ms,
                            6.0 * s[0] * s[1] * s[2] / (ms * 1e6)));
                    ResidentStepBenchmark.Timing t = ResidentStepBenchmark.run(gpu, s[0], s[1], s[2], quick ? 2 : 10);
                    resident.println(t.csv());
                    line(availability, String.format("%s: resident step (forward+backward+SGD on device) B=%d D=%d "
                            + "C=%d: %.1f ms, %.1f GFLOP/s, %d bus bytes per step (%.3f%% of W), peak device memory "
                            + "%.2f GiB", gpu.name(), s[0], s[1], s[2], t.msMedian(), t.gflops(), t.busBytesPerStep(),
                            100.0 * t.busBytesPerStep() / (4.0 * s[1] * s[2]), t.deviceBytes() / (double) (1L << 30)));
                }
                gpu.close();
            }
        }
        System.exit(failures > 0 ? 1 : cudaUsable ? 0 : 2);
    }

    private static PrintStream open(Path file) throws IOException {
        return new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8);
    }

    private static void line(PrintStream file, String text) {
        file.println(text);
        System.out.println(text);
    }
}
