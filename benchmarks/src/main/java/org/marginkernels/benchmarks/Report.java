package org.marginkernels.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns JMH {@code -rf json} result files into markdown tables: per implementation and shape the time per step,
 * GFLOP/s (6 B C D flops for forward+backward, 2 B C D for forward, see {@link Shape}), the fraction of the Vector
 * API FMA peak measured by {@link FmaPeakBenchmark} on the same JVM, and the speedup over the reference backend,
 * the naive EJML baseline and PyTorch (results that {@code torch_compare.py --json} writes in JMH's format).
 * GFLOP/s are computed here from the times rather than in the benchmarks so that JMH measures exactly one thing.
 *
 * <p>How to run:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.marginkernels.benchmarks.Report fma.json loss.json ejml.json
 * </pre>
 */
public final class Report {

    /** An implementation of the loss measured at one shape. */
    record LossRow(String label, boolean backward, Shape shape, double millis, double millisError) {

        double gflops() {
            double flops = backward ? shape.forwardBackwardFlops() : shape.forwardFlops();
            return flops / (millis * 1e6);
        }
    }

    private static final String REFERENCE = "reference fwd+bwd";
    private static final String EJML_SINGLE = "EJML naive, 1 thread, fwd+bwd";
    private static final String EJML_THREADS = "EJML naive, MT, fwd+bwd";
    private static final String TORCH = "torch fwd+bwd";

    private Report() {
    }

    /**
     * Reads the JSON files named by the arguments and prints the tables to standard output.
     *
     * @param args JMH JSON result files, in any order
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: Report RESULT.json [RESULT.json ...]  (JMH -rf json output)");
            System.exit(2);
        }
        List<JmhResult> results = new ArrayList<>();
        for (String arg : args) {
            results.addAll(JmhResult.read(Path.of(arg)));
        }
        print(results, System.out);
    }

    /**
     * Prints the FMA peak table, the loss table and the forward+backward / forward ratios.
     *
     * @param results JMH results of any of this module's benchmarks. Not modified.
     * @param out where the markdown goes. Modified.
     */
    static void print(List<JmhResult> results, PrintStream out) {
        Map<Integer, Double> peak = new LinkedHashMap<>();
        for (JmhResult r : results) {
            if (r.benchmark().startsWith("FmaPeakBenchmark.") && r.secondary().containsKey("flops")) {
                peak.put(r.threads(), r.secondary().get("flops") / 1e9);
            }
        }
        List<LossRow> rows = lossRows(results);
        double peakGflops = peak.getOrDefault(2, peak.getOrDefault(1, Double.NaN));
        if (!peak.isEmpty()) {
            out.println("| FMA peak (Vector API, preferred species) | GFLOP/s |");
            out.println("| --- | ---: |");
            peak.forEach((threads, g) -> out.printf(Locale.ROOT, "| %d thread%s | %.1f |%n", threads,
                    threads == 1 ? "" : "s", g));
            out.println();
        }
        if (rows.isEmpty()) {
            return;
        }
        out.println("| implementation | BxDxC | ms/op | +- | GFLOP/s | of FMA peak | vs reference | vs EJML 1T "
                + "| vs EJML MT | vs torch |");
        out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Set<Shape> shapes = new LinkedHashSet<>();
        rows.forEach(r -> shapes.add(r.shape()));
        for (Shape shape : shapes) {
            for (LossRow row : rows) {
                if (row.shape().equals(shape)) {
                    out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %s | %s | %s | %s | %s |%n", row.label(),
                            shape, millis(row.millis()), millis(row.millisError()), row.gflops(),
                            Double.isNaN(peakGflops) ? "-" : percent(row.gflops() / peakGflops),
                            speedup(rows, row, REFERENCE), speedup(rows, row, EJML_SINGLE),
                            speedup(rows, row, EJML_THREADS), speedup(rows, row, TORCH));
                }
            }
        }
        printRatios(rows, out);
    }

    /** The results of the loss benchmarks (those with a {@code shape} parameter), in the order given. */
    static List<LossRow> lossRows(List<JmhResult> results) {
        List<LossRow> rows = new ArrayList<>();
        for (JmhResult r : results) {
            if (r.params().containsKey("shape")) {
                rows.add(new LossRow(label(r), !r.benchmark().endsWith(".forward"),
                        Shape.parse(r.params().get("shape")), r.millisPerOp(), r.millisError()));
            }
        }
        return rows;
    }

    // forward+backward time over forward time, per implementation that has both; 3 is the GEMM count ratio
    private static void printRatios(List<LossRow> rows, PrintStream out) {
        List<String> lines = new ArrayList<>();
        for (LossRow forward : rows) {
            if (forward.backward()) {
                continue;
            }
            String stem = forward.label().substring(0, forward.label().length() - " fwd".length());
            for (LossRow both : rows) {
                if (both.backward() && both.shape().equals(forward.shape()) && both.label().equals(stem + " fwd+bwd")) {
                    lines.add(String.format(Locale.ROOT, "| %s | %s | %.2f |", stem, forward.shape(),
                            both.millis() / forward.millis()));
                }
            }
        }
        if (!lines.isEmpty()) {
            out.println();
            out.println("| implementation | BxDxC | fwd+bwd / fwd time (3 = GEMM count ratio) |");
            out.println("| --- | --- | ---: |");
            lines.forEach(out::println);
        }
    }

    static String label(JmhResult r) {
        String backend = r.params().getOrDefault("backend", "");
        return switch (r.benchmark()) {
            case "MarginLossBenchmark.forwardBackward" -> backend + " fwd+bwd";
            case "MarginLossBenchmark.forward" -> backend + " fwd";
            case "ReferenceLossBenchmark.forwardBackward" -> REFERENCE;
            case "NaiveEjmlLossBenchmark.forwardBackward" ->
                Boolean.parseBoolean(r.params().get("concurrent")) ? EJML_THREADS : EJML_SINGLE;
            case "TorchLoss.forwardBackward" -> TORCH;
            case "TorchLoss.forward" -> "torch fwd";
            default -> r.benchmark();
        };
    }

    private static String speedup(List<LossRow> rows, LossRow row, String baseline) {
        if (!row.backward() || row.label().equals(baseline)) {
            return "-";
        }
        for (LossRow b : rows) {
            if (b.label().equals(baseline) && b.shape().equals(row.shape())) {
                return String.format(Locale.ROOT, "%.1fx", b.millis() / row.millis());
            }
        }
        return "-";
    }

    private static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        return String.format(Locale.ROOT, ms >= 100 ? "%.0f" : ms >= 1 ? "%.2f" : "%.4f", ms);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }
}
