package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two trainer JVMs on loopback, the class weights sharded over them through Hazelcast, against the same run
 * unsharded in this JVM: the final metrics agree (last-epoch loss to 1e-3 relative, accuracies to 0.5 points; the
 * shards' sums are grouped differently, so bits may differ and training may drift by float rounding). And a rank
 * killed mid-training makes the other fail within its timeout, naming the rank.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ShardedTrainingProcessTest {

    private static final String[] ARGS = {"--data", "synthetic", "--identities", "200", "--samples-per-identity",
        "10", "--epochs", "2", "--hidden", "64", "--embedding-dim", "32", "--pairs", "500", "--seed", "5",
        "--backend", "cpu", "--threads", "1"};
    private static final Pattern LOSS = Pattern.compile("-> ([0-9.]+) \\(last epoch\\)");
    private static final Pattern CLOSED = Pattern.compile("closed-set top-1 accuracy .*: ([0-9.]+)%");
    private static final Pattern VERIFY = Pattern.compile("verification .*: accuracy ([0-9.]+)%");

    @Test
    void twoProcessesOnLoopbackMatchTheUnshardedRun(@TempDir Path dir) throws Exception {
        TrainConfig config = TrainMain.parse(ARGS);
        OpenSetSplit split = TrainingData.load(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        TrainingReport unsharded = new Trainer(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).run(split);

        int port = freePortPair();
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            ranks.add(start(dir, r, port, "20", ARGS));
        }
        for (int r = 0; r < 2; r++) {
            assertTrue(ranks.get(r).waitFor(180, TimeUnit.SECONDS), "rank " + r + " finished");
            assertEquals(0, ranks.get(r).exitValue(), "rank " + r + ":\n" + log(dir, r));
        }
        String out = log(dir, 0);
        assertTrue(out.contains("communication"), out);
        double loss = number(LOSS, out);
        double last = unsharded.epochLosses()[unsharded.epochLosses().length - 1];
        assertEquals(last, loss, 1e-3 * last, "last-epoch loss");
        assertEquals(100 * unsharded.closedSetAccuracy(), number(CLOSED, out), 0.5, "closed-set accuracy");
        assertEquals(100 * unsharded.verification().mean(), number(VERIFY, out), 0.5, "verification accuracy");
        assertEquals(out.lines().filter(l -> l.startsWith("loss:")).toList(),
                log(dir, 1).lines().filter(l -> l.startsWith("loss:")).toList(), "both ranks report one loss");
    }

    @Test
    void aRankKilledMidTrainingFailsTheOtherWithinItsTimeout(@TempDir Path dir) throws Exception {
        int port = freePortPair();
        String[] longer = ARGS.clone();
        longer[7] = "50";
        Process zero = start(dir, 0, port, "3", longer);
        Process one = start(dir, 1, port, "3", longer);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!log(dir, 1).contains("epoch  1/") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(log(dir, 1).contains("epoch  1/"), "rank 1 trained an epoch:\n" + log(dir, 1));
            one.destroyForcibly().waitFor();
            long killed = System.nanoTime();
            assertTrue(zero.waitFor(60, TimeUnit.SECONDS), "rank 0 gave up");
            double seconds = (System.nanoTime() - killed) / 1e9;
            assertNotEquals(0, zero.exitValue());
            String out = log(dir, 0);
            assertTrue(out.contains("CollectiveException") && out.contains("rank(s) [1]"), out);
            // 3 s timeout; the JVM's exit adds a little
            assertTrue(seconds < 3 + 5, "rank 0 failed " + seconds + " s after the kill");
        } finally {
            zero.destroyForcibly();
            one.destroyForcibly();
        }
    }

    private static Process start(Path dir, int rank, int port, String timeout, String[] args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), TrainMain.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--shards", "2", "--rank", String.valueOf(rank), "--shard-port", String.valueOf(port),
                "--shard-timeout", timeout));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("rank" + rank + ".log")
                .toFile()).start();
    }

    private static String log(Path dir, int rank) throws IOException {
        Path p = dir.resolve("rank" + rank + ".log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private static double number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    /** A port p with p and p + 1 free now. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p < 65535) {
                try (ServerSocket a = new ServerSocket(p); ServerSocket b = new ServerSocket(p + 1)) {
                    return p;
                } catch (IOException taken) {
                    // try another pair
                }
            }
        }
        throw new IOException("no two consecutive free ports");
    }
}
