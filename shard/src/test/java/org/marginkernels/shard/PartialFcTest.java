package org.marginkernels.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/** Partial FC sampling (PartialFC_V2 semantics), unsharded and sharded, against the softmax over the sample. */
class PartialFcTest extends WithCpuBackend {

    @Test
    void keepsEveryPositiveAndFillsWithNegativesReproducibly() {
        PartialFcSampler sampler = new PartialFcSampler(0.1, 42);
        ClassRange range = new ClassRange(100, 1100);
        int[] labels = {100, 5, 1099, 555, -1, 555, 2000};
        int[] a = sampler.sample(labels, -1, range, 7);
        assertEquals(100, a.length);
        for (int y : new int[] {100, 555, 1099}) {
            assertTrue(Arrays.binarySearch(a, y) >= 0, "positive " + y + " kept");
        }
        for (int k = 1; k < a.length; k++) {
            assertTrue(a[k - 1] < a[k] && a[k] >= 100 && a[k] < 1100, "ascending, in range");
        }
        assertArrayEquals(a, new PartialFcSampler(0.1, 42).sample(labels, -1, range, 7), "seeded");
        assertFalse(Arrays.equals(a, sampler.sample(labels, -1, range, 8)), "another step, another sample");
        assertFalse(Arrays.equals(a, new PartialFcSampler(0.1, 43).sample(labels, -1, range, 7)), "another seed");
    }

    @Test
    void morePositivesThanTheRateKeepsOnlyPositives() {
        int[] labels = {3, 1, 4, 1, 5, 9, 2, 6};
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 9},
                new PartialFcSampler(0.1, 1).sample(labels, -1, new ClassRange(0, 20), 0));
    }

    @Test
    void negativesAreUniform() {
        // each of the 99 negatives is drawn with probability 9/99 per step: over 3000 steps about 273 times each
        PartialFcSampler sampler = new PartialFcSampler(0.1, 5);
        int[] hits = new int[100];
        for (int step = 0; step < 3000; step++) {
            for (int c : sampler.sample(new int[] {0}, -1, new ClassRange(0, 100), step)) {
                hits[c]++;
            }
        }
        assertEquals(3000, hits[0]);
        for (int c = 1; c < 100; c++) {
            assertTrue(hits[c] > 200 && hits[c] < 350, "class " + c + " drawn " + hits[c] + " times");
        }
    }

    @Test
    void badRateIsRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new PartialFcSampler(0, 1)).getMessage()
                .startsWith("rate"));
        assertThrows(IllegalArgumentException.class, () -> new PartialFcSampler(1.5, 1));
    }

    @Test
    void sampledStepIsTheSoftmaxOverTheSampledClasses() throws Exception {
        // rate 1 samples every class: the step then runs on W itself, without copying rows out
        for (String name : new String[] {"arcface", "curricularface", "adacos-dynamic", "arcface-label-smoothing"}) {
            for (double rate : new double[] {0.25, 1}) {
                MarginSoftmax loss = LossCatalogue.named(name);
                Problem p = Problem.random(9, 29, 120, 8, 1, loss.ignoreLabel());
                PartialFcSampler sampler = new PartialFcSampler(rate, 77);
                for (int[] split : new int[][] {{0, 120}, {0, 60, 120}, {0, 7, 90, 120}}) {
                    ShardRun.Outcome got = ShardRun.run(cpu, loss, p, split, 1, sampler);
                    // the oracle: the unsharded step over the sampled rows of W, labels as positions in the sample
                    int[] sample = new int[0];
                    for (int r = 0; r + 1 < split.length; r++) {
                        int[] part = sampler.sample(p.labels(), loss.ignoreLabel(), new ClassRange(split[r],
                                split[r + 1]), 0);
                        int at = sample.length;
                        sample = Arrays.copyOf(sample, at + part.length);
                        System.arraycopy(part, 0, sample, at, part.length);
                    }
                    float[] w = new float[sample.length * p.dim()];
                    for (int k = 0; k < sample.length; k++) {
                        System.arraycopy(p.weights(), sample[k] * p.dim(), w, k * p.dim(), p.dim());
                    }
                    int[] y = new int[p.batch()];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = p.labels()[i] == loss.ignoreLabel() ? loss.ignoreLabel()
                                : Arrays.binarySearch(sample, p.labels()[i]);
                    }
                    float[] dx = new float[p.features().length];
                    float[] dwSampled = new float[w.length];
                    StepResult ref = cpu.step(loss, LossState.empty(), p.features(), w, y, p.dim(), dx, dwSampled);
                    float[] dw = new float[p.weights().length];
                    for (int k = 0; k < sample.length; k++) {
                        System.arraycopy(dwSampled, k * p.dim(), dw, sample[k] * p.dim(), p.dim());
                    }
                    String what = name + " rate " + rate + " split " + Arrays.toString(split);
                    assertEquals(ref.result().loss(), got.losses()[0],
                            ShardedAgreementTest.TOLERANCE * Math.max(1, ref.result().loss()), what);
                    ShardedAgreementTest.assertClose(dx, got.featureGrad(), what + " dX");
                    // rows not sampled: exactly zero
                    ShardedAgreementTest.assertClose(dw, got.weightGrad(), what + " dW");
                    for (int c = 0; c < p.classes(); c++) {
                        if (Arrays.binarySearch(sample, c) < 0) {
                            for (int k = 0; k < p.dim(); k++) {
                                assertEquals(0f, got.weightGrad()[c * p.dim() + k], what + " untouched row " + c);
                            }
                        }
                    }
                }
            }
        }
    }
}
