package org.marginkernels.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;

/**
 * Embedded Hazelcast members in this JVM, joined by TCP-IP on loopback: the same results as the thread
 * collectives, and a member that dies or stalls fails the others' calls with the missing rank named, within the
 * configured timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HazelcastCollectivesTest extends WithCpuBackend {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration JOIN = Duration.ofSeconds(30);
    @Test
    void threeMembersGatherInRankOrderAndRunAShardedStepLikeThreads() throws Exception {
        List<HazelcastCollectives> group = cluster("gather", 3, TIMEOUT);
        MarginSoftmax loss = LossCatalogue.named("curricularface");
        Problem p = Problem.random(5, 17, 40, 8, 1, loss.ignoreLabel());
        int[] split = {0, 10, 31, 40};
        try {
            List<double[][]> parts = onEach(group, c -> c.allGather(new double[] {c.rank(), 0.5}));
            for (double[][] all : parts) {
                for (int r = 0; r < 3; r++) {
                    assertArrayEquals(new double[] {r, 0.5}, all[r]);
                }
            }
            List<float[]> scattered = onEach(group, c -> c.reduceScatterSum(new float[] {c.rank(), 1, 2 * c.rank()},
                    new int[] {1, 2, 0}));
            assertArrayEquals(new float[] {3}, scattered.get(0));
            assertArrayEquals(new float[] {3, 6}, scattered.get(1));
            assertArrayEquals(new float[0], scattered.get(2));
            List<float[]> dw = onEach(group, c -> {
                ClassRange range = new ClassRange(split[c.rank()], split[c.rank() + 1]);
                ShardedMarginSoftmax s = new ShardedMarginSoftmax(cpu, c, loss, p.classes(), range, p.dim(), null);
                int row0 = p.batch() * c.rank() / 3;
                int row1 = p.batch() * (c.rank() + 1) / 3;
                float[] w = java.util.Arrays.copyOfRange(p.weights(), range.first() * p.dim(),
                        range.end() * p.dim());
                float[] g = new float[w.length];
                LossState state = LossState.empty();
                for (int step = 0; step < 2; step++) {
                    state = s.step(state, java.util.Arrays.copyOfRange(p.features(), row0 * p.dim(),
                            row1 * p.dim()), java.util.Arrays.copyOfRange(p.labels(), row0, row1), w,
                            new float[(row1 - row0) * p.dim()], g).result().state();
                }
                return g;
            });
            ShardRun.Outcome threads = ShardRun.run(cpu, loss, p, split, 2, null);
            float[] all = new float[p.weights().length];
            int at = 0;
            for (float[] g : dw) {
                System.arraycopy(g, 0, all, at, g.length);
                at += g.length;
            }
            assertArrayEquals(threads.weightGrad(), all, "Hazelcast and threads fold the same parts in one order");
        } finally {
            group.forEach(HazelcastCollectives::close);
        }
    }

    @Test
    void aKilledMemberFailsEveryOtherMembersCallNamingItsRank() throws Exception {
        List<HazelcastCollectives> group = cluster("killed", 3, TIMEOUT);
        try {
            onEach(group, c -> c.allGather(new byte[] {1}));
            group.get(2).member().getLifecycleService().terminate();
            long t0 = System.nanoTime();
            List<CollectiveException> errors = onEach(group.subList(0, 2),
                    c -> assertThrows(CollectiveException.class, () -> c.allGather(new byte[] {2})));
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (CollectiveException e : errors) {
                assertEquals(List.of(2), e.missingRanks(), e.getMessage());
                assertTrue(e.getMessage().contains("rank(s) [2]"), e.getMessage());
            }
            assertTrue(seconds < TIMEOUT.toSeconds() + 2, "failed after " + seconds + " s");
            // the group is broken: the next call fails at once instead of pairing mismatched rounds
            assertTrue(assertThrows(CollectiveException.class, () -> group.get(0).allGather(new byte[0]))
                    .getMessage().contains("failed earlier"));
        } finally {
            group.forEach(HazelcastCollectives::close);
        }
    }

    @Test
    void aStalledMemberFailsTheOthersWithinTheTimeout() throws Exception {
        List<HazelcastCollectives> group = cluster("stalled", 2, Duration.ofMillis(800));
        try {
            long t0 = System.nanoTime();
            CollectiveException e = assertThrows(CollectiveException.class,
                    () -> group.get(0).allGather(new byte[] {1}));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(List.of(1), e.missingRanks());
            assertTrue(e.getMessage().contains("timed out after 800 ms"), e.getMessage());
            assertTrue(seconds >= 0.7 && seconds < 3, "failed after " + seconds + " s");
        } finally {
            group.forEach(HazelcastCollectives::close);
        }
    }

    @Test
    void aMemberThatNeverJoinsIsNamed() throws Exception {
        int[] ports = freePorts(2);
        HazelcastSettings alone = new HazelcastSettings("alone-" + ports[0], List.of("127.0.0.1:" + ports[0],
                "127.0.0.1:" + ports[1]), 0, TIMEOUT, Duration.ofSeconds(2), true);
        CollectiveException e = assertThrows(CollectiveException.class, () -> HazelcastCollectives.join(alone));
        assertEquals(List.of(1), e.missingRanks());
        assertTrue(e.getMessage().contains("did not join"), e.getMessage());
    }

    @Test
    void badSettingsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HazelcastSettings("c",
                List.of("127.0.0.1:0"), 0, TIMEOUT, JOIN, true)).getMessage().startsWith("members"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HazelcastSettings("c",
                List.of("127.0.0.1:5701"), 1, TIMEOUT, JOIN, true)).getMessage().startsWith("rank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HazelcastSettings("c",
                List.of("127.0.0.1:5701"), 0, Duration.ZERO, JOIN, true)).getMessage().startsWith("timeout"));
    }

    /** {@code size} members on free loopback ports, started in parallel (each join waits for the others). */
    static List<HazelcastCollectives> cluster(String name, int size, Duration timeout) throws Exception {
        int[] ports = freePorts(size);
        List<String> members = new ArrayList<>();
        for (int port : ports) {
            members.add("127.0.0.1:" + port);
        }
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<HazelcastCollectives>> joins = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                HazelcastSettings s = new HazelcastSettings(name + "-" + ports[0], members, r, timeout, JOIN, true);
                joins.add(pool.submit(() -> HazelcastCollectives.join(s)));
            }
            List<HazelcastCollectives> out = new ArrayList<>();
            for (Future<HazelcastCollectives> f : joins) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }

    interface RankCall<T> {
        T call(Collectives c) throws Exception;
    }

    static <T> List<T> onEach(List<? extends Collectives> group, RankCall<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(group.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Collectives c : group) {
                Callable<T> task = () -> call.call(c);
                futures.add(pool.submit(task));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
