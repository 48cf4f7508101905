package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OpenSetSplitTest {

    @Test
    void heldOutClassesNeverReachTraining() {
        Dataset[] parts = SyntheticIdentities.defaults().withSize(20, 5, 1).generate(3);
        OpenSetSplit split = OpenSetSplit.holdLastClasses(parts[0], parts[1], 4);
        assertEquals(16, split.train().classes());
        assertEquals(16 * 4, split.train().size());
        assertEquals(16, split.closedSetTest().size());
        assertEquals(4, split.verification().classes());
        assertEquals(4 * 5, split.verification().size(), "held-out classes keep both their train and test samples");
        for (int y : split.train().labels()) {
            assertTrue(y < 16);
        }
        for (int y : split.verification().labels()) {
            assertTrue(y >= 0 && y < 4);
        }
    }

    @Test
    void syntheticDataIsDeterministicAndClustered() {
        SyntheticIdentities gen = SyntheticIdentities.defaults().withSize(30, 6, 2);
        Dataset a = gen.generate(5)[0];
        Dataset b = gen.generate(5)[0];
        assertEquals(Arrays.hashCode(a.inputs()), Arrays.hashCode(b.inputs()));
        // two samples of identity 0 are more alike than samples of identities 0 and 1 (on average over identities)
        double same = 0;
        double other = 0;
        int per = 4;
        for (int k = 0; k + 1 < 30; k++) {
            same += cosine(a, k * per, k * per + 1);
            other += cosine(a, k * per, (k + 1) * per);
        }
        assertTrue(same > other + 5, "same-identity cosines " + same / 29 + " vs other " + other / 29);
    }

    @Test
    void rejectsHoldingOutTooMuch() {
        Dataset[] parts = SyntheticIdentities.defaults().withSize(5, 3, 1).generate(1);
        assertThrows(IllegalArgumentException.class, () -> OpenSetSplit.holdLastClasses(parts[0], parts[1], 3));
    }

    private static double cosine(Dataset d, int i, int j) {
        double dot = 0;
        double ni = 0;
        double nj = 0;
        for (int k = 0; k < d.dim(); k++) {
            double a = d.inputs()[i * d.dim() + k];
            double b = d.inputs()[j * d.dim() + k];
            dot += a * b;
            ni += a * a;
            nj += b * b;
        }
        return dot / Math.sqrt(ni * nj);
    }
}
