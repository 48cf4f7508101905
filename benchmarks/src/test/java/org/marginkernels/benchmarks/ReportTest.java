package org.marginkernels.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    // the fields Report reads, laid out as JMH 1.37 writes them (NaN errors are strings there)
    private static final String RESULTS = """
            [
              {"benchmark": "org.marginkernels.benchmarks.FmaPeakBenchmark.fmaTwoThreads", "mode": "thrpt",
               "threads": 2, "primaryMetric": {"score": 3.0E9, "scoreError": "NaN", "scoreUnit": "ops/s"},
               "secondaryMetrics": {"flops": {"score": 1.0E11, "scoreError": "NaN", "scoreUnit": "ops/s"}}},
              {"benchmark": "org.marginkernels.benchmarks.MarginLossBenchmark.forwardBackward", "mode": "avgt",
               "threads": 1, "params": {"backend": "cpu", "threads": "0", "shape": "256x512x10000"},
               "primaryMetric": {"score": 100.0, "scoreError": 2.5, "scoreUnit": "ms/op"}, "secondaryMetrics": {}},
              {"benchmark": "org.marginkernels.benchmarks.MarginLossBenchmark.forward", "mode": "avgt",
               "threads": 1, "params": {"backend": "cpu", "threads": "0", "shape": "256x512x10000"},
               "primaryMetric": {"score": 0.04, "scoreError": "NaN", "scoreUnit": "s/op"}, "secondaryMetrics": {}},
              {"benchmark": "org.marginkernels.benchmarks.ReferenceLossBenchmark.forwardBackward", "mode": "avgt",
               "threads": 1, "params": {"shape": "256x512x10000"},
               "primaryMetric": {"score": 5000.0, "scoreError": 1.0, "scoreUnit": "ms/op"}, "secondaryMetrics": {}}
            ]
            """;

    @Test
    void readsJmhJson(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("r.json");
        Files.writeString(file, RESULTS);
        List<JmhResult> results = JmhResult.read(file);
        assertEquals(4, results.size());
        assertEquals("FmaPeakBenchmark.fmaTwoThreads", results.get(0).benchmark());
        assertEquals(2, results.get(0).threads());
        assertEquals(1e11, results.get(0).secondary().get("flops"));
        assertTrue(Double.isNaN(results.get(0).error()));
        assertEquals(Map.of("backend", "cpu", "threads", "0", "shape", "256x512x10000"), results.get(1).params());
        assertEquals(40.0, results.get(2).millisPerOp(), 1e-12, "s/op converted to ms/op");
        assertThrows(IllegalStateException.class, () -> results.get(0).millisPerOp());
    }

    @Test
    void printsGflopsFractionOfPeakSpeedupAndRatio(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("r.json");
        Files.writeString(file, RESULTS);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Report.print(JmhResult.read(file), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        // 6 * 256 * 512 * 10000 flops in 100 ms = 78.64 GFLOP/s = 78.6% of a 100 GFLOP/s peak; 5000 / 100 = 50x
        assertTrue(out.contains("| cpu fwd+bwd | 256x512x10000 | 100 | 2.50 | 78.64 | 78.6% | 50.0x | - | - | - |"),
                out);
        // 2 * 256 * 512 * 10000 flops in 40 ms = 65.54 GFLOP/s
        assertTrue(out.contains("| cpu fwd | 256x512x10000 | 40.00 | - | 65.54 | 65.5% |"), out);
        assertTrue(out.contains("| cpu | 256x512x10000 | 2.50 |"), out);
        assertTrue(out.contains("| 2 threads | 100.0 |"), out);
    }

    @Test
    void rejectsMalformedJson(@TempDir Path dir) throws IOException {
        for (String text : List.of("[{\"a\": 1,}]", "{\"a\": tru}", "[{\"benchmark\": 'x.Y.z'}]", "{}")) {
            Path file = Files.writeString(dir.resolve("bad.json"), text);
            assertThrows(IllegalArgumentException.class, () -> JmhResult.read(file), text);
        }
    }
}
