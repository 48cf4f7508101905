package org.marginkernels.shard;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spi.ClassShard;

/** Bad input fails with an IllegalArgumentException naming the argument, before anything is exchanged or written. */
class ShardedArgumentsTest {

    private static final MarginSoftmax LOSS = LossCatalogue.named("arcface");

    @Test
    void rangesThatDoNotTileTheClassesAreRejectedOnEveryRank() throws Exception {
        try (Backend cpu = Backends.named("cpu")) {
            List<String> messages = ThreadCollectivesTest.onEveryRank(2, Duration.ofSeconds(10), c -> {
                ClassRange range = c.rank() == 0 ? new ClassRange(0, 4) : new ClassRange(5, 10);
                return assertThrows(IllegalArgumentException.class,
                        () -> new ShardedMarginSoftmax(cpu, c, LOSS, 10, range, 3, null)).getMessage();
            });
            for (String m : messages) {
                assertTrue(m.startsWith("ranges must tile [0, 10)"), m);
            }
        }
    }

    @Test
    void ranksWithDifferentWholeBatchesFailTogether() throws Exception {
        try (Backend cpu = Backends.named("cpu")) {
            List<String> messages = ThreadCollectivesTest.onEveryRank(2, Duration.ofSeconds(10), c -> {
                ShardedMarginSoftmax s = new ShardedMarginSoftmax(cpu, c, LOSS, 4, ClassRange.even(4, c.rank(), 2),
                        2, null);
                float[] x = {1, 0, 0, 1};
                int[] y = {0, c.rank() == 0 ? 1 : 2};
                return assertThrows(IllegalArgumentException.class, () -> s.stepWholeBatch(LossState.empty(), x, y,
                        new float[] {1, 0, 0, 1}, new float[4], new float[4])).getMessage();
            });
            for (String m : messages) {
                assertTrue(m.startsWith("features and labels must be the same on every rank"), m);
            }
        }
    }

    @Test
    void shapesAreCheckedBeforeAnyExchange() {
        Collectives alone = ThreadCollectives.group(1, Duration.ofSeconds(5)).get(0);
        try (Backend cpu = Backends.named("cpu")) {
            ShardedMarginSoftmax s = new ShardedMarginSoftmax(cpu, alone, LOSS, 10, new ClassRange(0, 10), 3, null);
            float[] w = new float[30];
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.step(LossState.empty(), new float[5],
                    new int[2], w, null, null)).getMessage().startsWith("features"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.step(LossState.empty(), new float[6],
                    new int[2], new float[27], null, null)).getMessage().startsWith("weights"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> s.step(LossState.empty(), new float[6],
                    new int[2], w, new float[5], null)).getMessage().startsWith("featureGrad"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new ShardedMarginSoftmax(cpu, alone, LOSS,
                    10, new ClassRange(0, 11), 3, null)).getMessage().startsWith("range"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClassRange(3, 3)).getMessage()
                    .startsWith("ClassRange"));
        }
    }

    @Test
    void labelsBeyondAllShardsAndBackendsWithoutShardsAreReported() {
        try (Backend cpu = Backends.named("cpu"); Backend reference = Backends.named("reference")) {
            ClassShard shard = ClassShard.whole(4);
            float[] x = {1, 0, 0, 1};
            float[] w = {1, 0, 0, 1, 1, 1, 1, -1};
            String m = assertThrows(IllegalArgumentException.class, () -> cpu.step(LOSS, LossState.empty(), x, w,
                    new int[] {0, 4}, 2, null, null, shard)).getMessage();
            assertTrue(m.startsWith("labels[1] must be in [0, 4)"), m);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cpu.step(LOSS, LossState.empty(), x, w,
                    new int[] {0, 1}, 2, null, null, new ClassShard(2, 4, shard.exchange()))).getMessage()
                    .startsWith("weights"));
            assertTrue(assertThrows(UnsupportedOperationException.class, () -> reference.step(LOSS,
                    LossState.empty(), x, w, new int[] {0, 1}, 2, null, null, shard)).getMessage()
                    .contains("does not run class shards"));
        }
    }

    @Test
    void localLabelsPointPastTheShardForOtherShardsClasses() {
        ClassShard shard = new ClassShard(10, 30, local -> new double[][] {local});
        int[] local = shard.localLabels(new int[] {9, 10, 19, 20, -1, 0}, 10, -1);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {10, 0, 9, 10, -1, 10}, local);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClassShard(30, 30,
                l -> new double[][] {l})).getMessage().startsWith("ClassShard first"));
    }
}
