package org.marginkernels.shard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.shard.ClassRange;
import org.marginkernels.shard.Collectives;
import org.marginkernels.shard.HazelcastCollectives;
import org.marginkernels.shard.HazelcastSettings;
import org.marginkernels.shard.PartialFcSampler;
import org.marginkernels.shard.ShardedMarginSoftmax;
import org.marginkernels.shard.ShardedStep;
import org.marginkernels.shard.ThreadCollectives;

/**
 * Step time of the class-sharded ArcFace step, split into compute and communication, with the bytes each rank
 * offers and the process's peak resident memory (VmHWM). Each rank owns an even share of the classes and B / P
 * rows of the batch (the Partial FC layout: embeddings all-gathered, dX all-reduced). Arguments key=value:
 * batch, classes, dim, ranks (P), steps (measured, after one warm-up), rate (Partial FC sampling, 1 = full),
 * threads (backend threads per process), and either mode=threads (P ranks in this JVM) or mode=hazelcast rank=r
 * port=p timeout=s (one rank per JVM; scripts/shard-bench.sh starts them). Numbers: docs/sharding.md.
 */
public final class ShardStepBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("arguments are key=value, got '" + arg + "'");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int batch = Integer.parseInt(a.getOrDefault("batch", "256"));
        int classes = Integer.parseInt(a.getOrDefault("classes", "1000000"));
        int dim = Integer.parseInt(a.getOrDefault("dim", "512"));
        int ranks = Integer.parseInt(a.getOrDefault("ranks", "1"));
        int steps = Integer.parseInt(a.getOrDefault("steps", "2"));
        double rate = Double.parseDouble(a.getOrDefault("rate", "1"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "0"));
        String mode = a.getOrDefault("mode", "threads");
        MarginSoftmax loss = LossCatalogue.named("arcface");
        PartialFcSampler sampler = rate >= 1 ? null : new PartialFcSampler(rate, 1);
        try (Backend backend = Backends.named("cpu", BackendOptions.defaults().withThreads(threads))) {
            if (mode.equals("hazelcast")) {
                int rank = Integer.parseInt(a.get("rank"));
                HazelcastSettings settings = HazelcastSettings.loopback("shard-bench",
                        Integer.parseInt(a.getOrDefault("port", "5750")), ranks, rank,
                        Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout", "120"))), Duration.ofSeconds(120));
                try (HazelcastCollectives c = HazelcastCollectives.join(settings)) {
                    report(rankRun(backend, c, loss, batch, classes, dim, steps, sampler), batch, classes, dim,
                            ranks, rate, "hazelcast, rank " + rank);
                }
            } else {
                List<Collectives> group = ThreadCollectives.group(ranks, Duration.ofSeconds(600));
                ExecutorService pool = Executors.newFixedThreadPool(ranks);
                List<Future<List<ShardedStep>>> futures = new ArrayList<>();
                for (Collectives c : group) {
                    futures.add(pool.submit(() -> rankRun(backend, c, loss, batch, classes, dim, steps, sampler)));
                }
                List<ShardedStep> rank0 = null;
                for (Future<List<ShardedStep>> f : futures) {
                    List<ShardedStep> s = f.get();
                    rank0 = rank0 == null ? s : rank0;
                }
                pool.shutdown();
                report(rank0, batch, classes, dim, ranks, rate, "threads in one JVM, rank 0");
            }
        }
    }

    private static List<ShardedStep> rankRun(Backend backend, Collectives c, MarginSoftmax loss, int batch,
            int classes, int dim, int steps, PartialFcSampler sampler) {
        ClassRange range = ClassRange.even(classes, c.rank(), c.size());
        int row0 = batch * c.rank() / c.size();
        int row1 = batch * (c.rank() + 1) / c.size();
        float[] w = new float[range.count() * dim];
        fill(w, range.first() * (long) dim, 0x9E3779B9L);
        float[] dw = new float[w.length];
        float[] x = new float[(row1 - row0) * dim];
        fill(x, row0 * (long) dim, 0x85EBCA6BL);
        int[] y = new int[row1 - row0];
        for (int i = 0; i < y.length; i++) {
            y[i] = (int) (((row0 + i) * 2654435761L) % classes);
        }
        float[] dx = new float[x.length];
        ShardedMarginSoftmax sharded = new ShardedMarginSoftmax(backend, c, loss, classes, range, dim, sampler);
        List<ShardedStep> out = new ArrayList<>();
        for (int s = 0; s <= steps; s++) {
            ShardedStep step = sharded.step(LossState.empty(), x, y, w, dx, dw);
            if (s > 0) {
                out.add(step);
            }
        }
        return out;
    }

    /** A deterministic pattern in [-0.5, 0.5) from the element's global index: fast at 2^29 elements. */
    private static void fill(float[] a, long globalOffset, long salt) {
        for (int i = 0; i < a.length; i++) {
            long h = (globalOffset + i) * salt;
            h ^= h >>> 29;
            a[i] = ((h >>> 8) & 0xFFFF) / 65536f - 0.5f;
        }
    }

    private static void report(List<ShardedStep> steps, int batch, int classes, int dim, int ranks, double rate,
            String how) throws IOException {
        double[] total = new double[steps.size()];
        double compute = 0;
        double comm = 0;
        long bytes = 0;
        for (int i = 0; i < steps.size(); i++) {
            ShardedStep s = steps.get(i);
            total[i] = (s.computeNanos() + s.communicationNanos()) / 1e6;
            compute += s.computeNanos() / 1e6;
            comm += s.communicationNanos() / 1e6;
            bytes += s.bytesOut();
        }
        Arrays.sort(total);
        int n = steps.size();
        System.out.printf(Locale.ROOT, "B=%d C=%d D=%d ranks=%d rate=%.2f (%s): step median %.0f ms (min %.0f), "
                + "compute %.0f ms + communication %.0f ms (%.1f%%), %,d bytes out/step, %d collective calls, "
                + "W+dW per rank %.0f MiB, peak RSS %s%n", batch, classes, dim, ranks, rate, how, total[n / 2],
                total[0], compute / n, comm / n, 100 * comm / (compute + comm), bytes / n,
                steps.get(0).collectiveCalls(), 2.0 * 4 * classes / ranks * dim / (1 << 20), peakRss());
    }

    private static String peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring(6).trim();
            }
        }
        return "n/a";
    }

    private ShardStepBench() {
    }
}
