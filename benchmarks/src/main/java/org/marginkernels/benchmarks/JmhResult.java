package org.marginkernels.benchmarks;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
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
        JsonElement root;
        try {
            // strict: Gson's default leniency would read a truncated or hand-edited file as something else
            JsonReader reader = new JsonReader(new StringReader(Files.readString(file)));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(file + ": expected a JSON array of JMH results");
        }
        List<JmhResult> out = new ArrayList<>();
        for (JsonElement entry : root.getAsJsonArray()) {
            out.add(of(object(entry, file + " entry")));
        }
        return out;
    }

    private static JmhResult of(JsonObject e) {
        String full = e.has("benchmark") ? e.get("benchmark").getAsString() : "";
        int method = full.lastIndexOf('.');
        int type = full.lastIndexOf('.', method - 1);
        String name = full.substring(type + 1);
        Map<String, String> params = new LinkedHashMap<>();
        if (e.get("params") instanceof JsonObject p) {
            p.entrySet().forEach(kv -> params.put(kv.getKey(), kv.getValue().getAsString()));
        }
        JsonObject primary = object(e.get("primaryMetric"), name + " primaryMetric");
        Map<String, Double> secondary = new LinkedHashMap<>();
        if (e.get("secondaryMetrics") instanceof JsonObject s) {
            s.entrySet().forEach(kv -> secondary.put(kv.getKey(),
                    number(object(kv.getValue(), name + " " + kv.getKey()).get("score"))));
        }
        int threads = e.has("threads") ? e.get("threads").getAsInt() : 1;
        return new JmhResult(name, params, threads, number(primary.get("score")), number(primary.get("scoreError")),
                primary.has("scoreUnit") ? primary.get("scoreUnit").getAsString() : "null", secondary);
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

    private static JsonObject object(JsonElement o, String what) {
        if (o instanceof JsonObject m) {
            return m;
        }
        throw new IllegalArgumentException(what + ": expected a JSON object, got " + o);
    }

    // JMH writes NaN (too few iterations for an error) as the string "NaN", which Gson's getAsDouble parses
    private static double number(JsonElement o) {
        return o == null || o.isJsonNull() ? Double.NaN : o.getAsDouble();
    }
}
