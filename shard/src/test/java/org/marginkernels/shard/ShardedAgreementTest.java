package org.marginkernels.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/**
 * The class-sharded step against the unsharded {@link Backend#step} on the cpu backend, for every catalogue loss
 * (stateful and adaptive ones included: CurricularFace, AdaCos, AdaFace, ElasticFace), 1..5 even shards and uneven
 * splits down to a shard of one class.
 *
 * <p>The bound: one shard gives the unsharded bits exactly (every merge of one part is exact); P shards differ
 * only in how float sums are grouped (per-shard tiles start at the shard's first class, dX adds P partial sums),
 * so |sharded - unsharded| &lt;= 2^-20 x max(1, max |unsharded|) element-wise over each array,
 * the loss relative to max(1, |L|).
 */
class ShardedAgreementTest extends WithCpuBackend {

    static final double TOLERANCE = 0x1p-20;
    private static final int[][] SPLITS = {
        {0, 53}, {0, 26, 53}, {0, 17, 35, 53}, {0, 13, 26, 39, 53}, {0, 10, 21, 31, 42, 53},
        {0, 1, 40, 53}, {0, 30, 31, 53}, {0, 50, 51, 52, 53},
    };

    @Test
    void everyLossAgreesWithTheUnshardedStepForEverySplit() throws Exception {
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            MarginSoftmax loss = e.getValue();
            Problem p = Problem.random(e.getKey().hashCode(), 23, 53, 7, loss.subCenters(), loss.ignoreLabel());
            Reference ref = Reference.of(cpu, loss, p, 2);
            for (int[] split : SPLITS) {
                ShardRun.Outcome got = ShardRun.run(cpu, loss, p, split, 2, null);
                String what = e.getKey() + " split " + java.util.Arrays.toString(split);
                if (split.length == 2) {
                    assertArrayEquals(ref.losses, got.losses(), what + ": one shard is the unsharded step");
                    assertArrayEquals(ref.featureGrad, got.featureGrad(), what);
                    assertArrayEquals(ref.weightGrad, got.weightGrad(), what);
                }
                for (int s = 0; s < 2; s++) {
                    assertTrue(Math.abs(ref.losses[s] - got.losses()[s])
                            <= TOLERANCE * Math.max(1, Math.abs(ref.losses[s])), what + " loss " + ref.losses[s]
                            + " vs " + got.losses()[s]);
                    assertEquals(ref.scales[s], got.scales()[s], TOLERANCE * ref.scales[s], what + " scale");
                }
                assertClose(ref.featureGrad, got.featureGrad(), what + " dX");
                assertClose(ref.weightGrad, got.weightGrad(), what + " dW");
                assertStateClose(ref.state, got.state(), what);
            }
        }
    }

    @Test
    void shardsWithSeveralTilesAgree() throws Exception {
        // 600 classes over 2 shards: 300 each, two 256-class tiles per shard
        for (String name : new String[] {"arcface", "curricularface", "adacos-dynamic", "adaface"}) {
            MarginSoftmax loss = LossCatalogue.named(name);
            Problem p = Problem.random(11, 19, 600, 16, 1, loss.ignoreLabel());
            Reference ref = Reference.of(cpu, loss, p, 2);
            for (int[] split : new int[][] {{0, 300, 600}, {0, 257, 599, 600}}) {
                ShardRun.Outcome got = ShardRun.run(cpu, loss, p, split, 2, null);
                assertEquals(ref.losses[1], got.losses()[1], TOLERANCE * Math.max(1, ref.losses[1]), name);
                assertClose(ref.featureGrad, got.featureGrad(), name + " dX");
                assertClose(ref.weightGrad, got.weightGrad(), name + " dW");
            }
        }
    }

    @Test
    void wholeBatchStepAgreesWithTheUnshardedStep() throws Exception {
        // every rank holds the whole batch and receives every row's dX, summed in place in its featureGrad
        MarginSoftmax loss = LossCatalogue.named("arcface");
        Problem p = Problem.random(5, 17, 53, 9, 1, loss.ignoreLabel());
        float[] dx = new float[p.features().length];
        float[] dw = new float[p.weights().length];
        double expected = cpu.step(loss, LossState.empty(), p.features(), p.weights(), p.labels(), p.dim(), dx, dw)
                .result().loss();
        int rowFloats = p.dim();
        java.util.List<float[]> got = ThreadCollectivesTest.onEveryRank(3, java.time.Duration.ofSeconds(10), c -> {
            ClassRange range = ClassRange.even(p.classes(), c.rank(), 3);
            ShardedMarginSoftmax s = new ShardedMarginSoftmax(cpu, c, loss, p.classes(), range, p.dim(), null);
            float[] w = java.util.Arrays.copyOfRange(p.weights(), range.first() * rowFloats, range.end() * rowFloats);
            float[] featureGrad = new float[p.features().length];
            StepResult r = s.stepWholeBatch(LossState.empty(), p.features(), p.labels(), w, featureGrad,
                    new float[w.length]).result();
            assertEquals(expected, r.result().loss(), TOLERANCE * Math.max(1, Math.abs(expected)), "loss");
            return featureGrad;
        });
        for (float[] featureGrad : got) {
            assertClose(dx, featureGrad, "whole-batch dX");
        }
    }

    @Test
    void runsAreIdenticalBitForBit() throws Exception {
        MarginSoftmax loss = LossCatalogue.named("curricularface");
        Problem p = Problem.random(3, 31, 53, 9, 1, loss.ignoreLabel());
        int[] split = {0, 20, 21, 53};
        ShardRun.Outcome a = ShardRun.run(cpu, loss, p, split, 3, null);
        ShardRun.Outcome b = ShardRun.run(cpu, loss, p, split, 3, null);
        assertArrayEquals(a.losses(), b.losses());
        assertArrayEquals(a.featureGrad(), b.featureGrad());
        assertArrayEquals(a.weightGrad(), b.weightGrad());
        assertEquals(a.state(), b.state());
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        double max = 1;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) expected[i] - actual[i]);
            if (!(err <= TOLERANCE * max)) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]
                        + " (error " + err + " > " + TOLERANCE + " x " + max + ")");
            }
        }
    }

    private static void assertStateClose(LossState expected, LossState actual, String what) {
        assertEquals(expected.values().keySet(), actual.values().keySet(), what + " state keys");
        for (var e : expected.values().entrySet()) {
            double v = actual.values().get(e.getKey());
            assertEquals(e.getValue(), v, TOLERANCE * Math.max(1, Math.abs(e.getValue())), what + " " + e.getKey());
        }
    }

    /** The unsharded steps on the whole problem. */
    record Reference(double[] losses, double[] scales, float[] featureGrad, float[] weightGrad, LossState state) {

        static Reference of(Backend backend, MarginSoftmax loss, Problem p, int steps) {
            double[] losses = new double[steps];
            double[] scales = new double[steps];
            float[] dx = new float[p.features().length];
            float[] dw = new float[p.weights().length];
            LossState state = LossState.empty();
            for (int s = 0; s < steps; s++) {
                StepResult r = backend.step(loss, state, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
                losses[s] = r.result().loss();
                scales[s] = r.result().scale();
                state = r.state();
            }
            return new Reference(losses, scales, dx, dw, state);
        }
    }
}
