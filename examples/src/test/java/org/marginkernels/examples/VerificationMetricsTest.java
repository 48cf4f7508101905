package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class VerificationMetricsTest {

    @Test
    void separablePairsScorePerfectly() {
        float[] scores = {0.9f, 0.1f, 0.8f, -0.2f, 0.7f, 0.3f, 0.95f, 0.0f, 0.6f, 0.2f};
        boolean[] genuine = {true, false, true, false, true, false, true, false, true, false};
        double t = VerificationMetrics.bestThreshold(scores, genuine);
        assertTrue(t > 0.3 && t < 0.6, "threshold " + t + " must separate 0.3 from 0.6");
        assertEquals(1.0, VerificationMetrics.accuracy(scores, genuine, t));
        assertEquals(1.0, VerificationMetrics.kFoldAccuracy(scores, genuine, 5).mean());
    }

    @Test
    void tarAtFarCountsGenuineAboveTheImpostorQuantile() {
        // 1000 impostors at 0.000 .. 0.999; FAR 1e-3 lets exactly one (0.999) above the threshold 0.998
        int impostors = 1000;
        float[] scores = new float[impostors + 4];
        boolean[] genuine = new boolean[scores.length];
        for (int i = 0; i < impostors; i++) {
            scores[i] = i / 1000f;
        }
        float[] gen = {0.9985f, 1.0f, 0.5f, 0.9979f};
        for (int i = 0; i < gen.length; i++) {
            scores[impostors + i] = gen[i];
            genuine[impostors + i] = true;
        }
        assertEquals(0.5, VerificationMetrics.tarAtFar(scores, genuine, 1e-3), 1e-12);
    }

    @Test
    void tarAtFarIsUndefinedWithTooFewImpostors() {
        float[] scores = {0.1f, 0.9f};
        boolean[] genuine = {false, true};
        assertTrue(Double.isNaN(VerificationMetrics.tarAtFar(scores, genuine, 1e-3)));
    }

    @Property(tries = 50)
    void bestThresholdIsAtLeastAsGoodAsEveryScore(@ForAll @IntRange(min = 1, max = 60) int n,
            @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] scores = new float[n];
        boolean[] genuine = new boolean[n];
        for (int i = 0; i < n; i++) {
            // coarse scores, so ties occur
            scores[i] = random.nextInt(7) / 7f;
            genuine[i] = random.nextBoolean();
        }
        double best = VerificationMetrics.accuracy(scores, genuine, VerificationMetrics.bestThreshold(scores,
                genuine));
        for (float candidate : scores) {
            assertTrue(best >= VerificationMetrics.accuracy(scores, genuine, candidate));
            assertTrue(best >= VerificationMetrics.accuracy(scores, genuine, candidate - 1e-3));
        }
    }

    @Test
    void drawnPairsAreBalancedAndCorrect() {
        int[] labels = {0, 0, 1, 1, 1, 2};
        VerificationPairs pairs = VerificationPairs.draw(labels, 3, 500, new SplittableRandom(1));
        assertEquals(1000, pairs.size());
        assertEquals(500, pairs.impostors());
        for (int p = 0; p < pairs.size(); p++) {
            assertTrue(pairs.left()[p] != pairs.right()[p], "a sample is never paired with itself");
            assertEquals(pairs.genuine()[p], labels[pairs.left()[p]] == labels[pairs.right()[p]]);
            assertEquals(p % 2 == 0, pairs.genuine()[p], "genuine and impostor pairs alternate");
        }
    }
}
