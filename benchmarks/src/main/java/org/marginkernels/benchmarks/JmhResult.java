package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of a JMH {@code -rf json} result file: which benchmark ran with which parameters and threads, and its
 * primary and secondary scores.
 *
 * @param benchmark the simple class name and method, such as {@code MarginLossBenchmark.forwardBackward}
 * @param params the {@code @Param} values by name
 * @param threads the thread count of the run
 * @param score the primary score
 * @param error the 99.9% half-width JMH reports, NaN when there were too few iterations
 * @param unit the primary unit, such as {@code ms/op} or {@code ops/s}
 * @param secondary secondary scores by name (for example the {@code flops} counter), in their own units
 */
public record JmhResult(String benchmark, Map<String, String> params, int threads, double score, double error,
        String unit, Map<String, Double> secondary) {

    /**
     * Reads every entry of a JMH JSON result file.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a JMH JSON result array
     */
    public static List<JmhResult> read(Path file) throws IOException {
        Object root = JsonReader.parse(Files.readString(file));
        if (!(root instanceof List<?> entries)) {
            throw new IllegalArgumentException(file + ": expected a JSON array of JMH results");
        }
        List<JmhResult> out = new ArrayList<>();
        for (Object entry : entries) {
            out.add(of(asMap(entry, file + " entry")));
        }
        return out;
    }

    private static JmhResult of(Map<String, Object> e) {
        String full = String.valueOf(e.get("benchmark"));
        int method = full.lastIndexOf('.');
        int type = full.lastIndexOf('.', method - 1);
        String name = full.substring(type + 1);
        Map<String, String> params = new LinkedHashMap<>();
        if (e.get("params") instanceof Map<?, ?> p) {
            p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
        }
        Map<String, Object> primary = asMap(e.get("primaryMetric"), name + " primaryMetric");
        Map<String, Double> secondary = new LinkedHashMap<>();
        if (e.get("secondaryMetrics") instanceof Map<?, ?> s) {
            s.forEach((k, v) -> secondary.put(String.valueOf(k), number(asMap(v, name + " " + k).get("score"))));
        }
        int threads = e.get("threads") instanceof Double d ? d.intValue() : 1;
        return new JmhResult(name, params, threads, number(primary.get("score")), number(primary.get("scoreError")),
                String.valueOf(primary.get("scoreUnit")), secondary);
    }

    /** The primary score in milliseconds per operation. @throws IllegalStateException for a throughput unit */
    public double millisPerOp() {
        return toMillis(score);
    }

    /** The primary error in milliseconds per operation (NaN when JMH had none). */
    public double millisError() {
        return toMillis(error);
    }

    private double toMillis(double value) {
        return switch (unit) {
            case "s/op" -> value * 1e3;
            case "ms/op" -> value;
            case "us/op" -> value * 1e-3;
            case "ns/op" -> value * 1e-6;
            default -> throw new IllegalStateException(benchmark + ": unit " + unit + " is not a time per operation");
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + ": expected a JSON object, got " + o);
    }

    // JMH writes NaN (too few iterations for an error) as the string "NaN"
    private static double number(Object o) {
        if (o instanceof Double d) {
            return d;
        }
        return o == null ? Double.NaN : Double.parseDouble(String.valueOf(o));
    }
}
