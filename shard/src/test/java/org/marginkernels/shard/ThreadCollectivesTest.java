package org.marginkernels.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ThreadCollectivesTest {

    @Test
    void allGatherReturnsEveryRankInRankOrder() throws Exception {
        List<double[][]> got = onEveryRank(4, Duration.ofSeconds(10), c -> c.allGather(new double[] {c.rank(), -1}));
        for (double[][] parts : got) {
            assertEquals(4, parts.length);
            for (int r = 0; r < 4; r++) {
                assertArrayEquals(new double[] {r, -1}, parts[r]);
            }
        }
    }

    @Test
    void sumsFoldInRankOrderWhateverTheArrivalOrder() throws Exception {
        // the sum depends on the order: ((1e16 + 1) - 1e16) + 1 = 1 (1e16 + 1 rounds to 1e16), other orders give 2
        double[] values = {1e16, 1, -1e16, 1};
        double expected = 1;
        for (int run = 0; run < 20; run++) {
            List<double[]> got = onEveryRank(4, Duration.ofSeconds(10),
                    c -> c.sum(new double[] {values[c.rank()]}));
            for (double[] sum : got) {
                assertEquals(expected, sum[0]);
            }
        }
    }

    @Test
    void floatSumsAndMaxima() throws Exception {
        List<float[]> sums = onEveryRank(3, Duration.ofSeconds(10), c -> {
            float[] v = {c.rank(), 1};
            c.allReduceSum(v);
            return v;
        });
        sums.forEach(v -> assertArrayEquals(new float[] {3, 3}, v));
        List<double[]> max = onEveryRank(3, Duration.ofSeconds(10),
                c -> c.max(new double[] {c.rank() == 1 ? 7 : Double.NEGATIVE_INFINITY}));
        max.forEach(v -> assertArrayEquals(new double[] {7}, v));
    }

    @Test
    void reduceScatterSumsEachRanksSegmentInRankOrder() throws Exception {
        // rank r holds values[i] = 10 r + i; rank q's segment is counts[q] floats long
        int[] counts = {1, 2, 3};
        List<float[]> got = onEveryRank(3, Duration.ofSeconds(10), c -> {
            float[] v = new float[6];
            for (int i = 0; i < 6; i++) {
                v[i] = 10 * c.rank() + i;
            }
            return c.reduceScatterSum(v, counts);
        });
        assertArrayEquals(new float[] {30}, got.get(0));
        assertArrayEquals(new float[] {33, 36}, got.get(1));
        assertArrayEquals(new float[] {39, 42, 45}, got.get(2));
        List<byte[][]> toAll = onEveryRank(2, Duration.ofSeconds(10),
                c -> c.allToAll(new byte[][] {{(byte) c.rank(), 0}, {(byte) c.rank(), 1}}));
        assertArrayEquals(new byte[][] {{0, 0}, {1, 0}}, toAll.get(0));
        assertArrayEquals(new byte[][] {{0, 1}, {1, 1}}, toAll.get(1));
    }

    @Test
    void aMissingRankFailsTheCallNamingItWithinTheTimeout() throws Exception {
        List<Collectives> group = ThreadCollectives.group(3, Duration.ofMillis(300));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<CollectiveException>> futures = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Collectives c = group.get(r);
                futures.add(pool.submit(() -> assertThrows(CollectiveException.class,
                        () -> c.allGather(new byte[] {1}))));
            }
            long t0 = System.nanoTime();
            for (Future<CollectiveException> f : futures) {
                CollectiveException e = f.get(10, TimeUnit.SECONDS);
                assertEquals(List.of(2), e.missingRanks());
                assertTrue(e.getMessage().contains("rank(s) [2]") && e.getMessage().contains("300 ms"),
                        e.getMessage());
            }
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedRankCannotCall() {
        Collectives c = ThreadCollectives.group(1, Duration.ofSeconds(1)).get(0);
        c.close();
        assertThrows(CollectiveException.class, () -> c.allGather(new byte[0]));
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ThreadCollectives.group(0, Duration.ofSeconds(1)))
                .getMessage().startsWith("size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ThreadCollectives.group(2, Duration.ZERO))
                .getMessage().startsWith("timeout"));
    }

    /** Runs {@code call} on every rank of a fresh group, each on its own thread; results by rank. */
    static <T> List<T> onEveryRank(int size, Duration timeout, Function<Collectives, T> call) throws Exception {
        List<Collectives> group = ThreadCollectives.group(size, timeout);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Collectives c : group) {
                futures.add(pool.submit(() -> call.apply(c)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
