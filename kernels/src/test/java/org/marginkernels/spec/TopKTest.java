package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.marginkernels.spi.TopK;

class TopKTest {

    /**
     * Against a full sort by (score desc, id asc), scores drawn from few values so ties are common; the offers are
     * spread over several selectors in a shuffled order and merged in a shuffled order, so the result must not
     * depend on either. With {@code idIsRow} the ids are the rows (as Backend.topK uses it), otherwise a
     * permutation of distinct ids unrelated to the rows (as a gallery search uses it).
     */
    @Property(tries = 300, seed = "9")
    void selectsTheSameAsAFullSort(@ForAll @IntRange(min = 1, max = 300) int n,
            @ForAll @IntRange(min = 1, max = 20) int k, @ForAll @IntRange(min = 1, max = 4) int parts,
            @ForAll boolean idIsRow, @ForAll long seed) {
        Random r = new Random(seed);
        float[] s = new float[n];
        long[] id = new long[n];
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(17) / 16f;
            id[i] = idIsRow ? i : 1000L * (n - i) + r.nextInt(1000);
            order.add(i);
        }
        Collections.shuffle(order, r);
        TopK[] selectors = new TopK[parts];
        for (int p = 0; p < parts; p++) {
            selectors[p] = new TopK(k);
        }
        for (int i : order) {
            selectors[r.nextInt(parts)].offer(i, id[i], s[i]);
        }
        TopK merged = new TopK(k);
        List<Integer> mergeOrder = new ArrayList<>(IntStream.range(0, parts).boxed().toList());
        Collections.shuffle(mergeOrder, r);
        for (int p : mergeOrder) {
            merged.merge(selectors[p]);
        }
        int kept = Math.min(k, n);
        assertEquals(kept, merged.size());
        int[] rows = new int[kept];
        float[] scores = new float[kept];
        merged.drainInto(rows, scores, 0);
        assertEquals(0, merged.size(), "drained");
        int[] expected = IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingLong(i -> id[i]))
                .limit(kept).mapToInt(Integer::intValue).toArray();
        assertArrayEquals(expected, rows, Arrays.toString(s));
        for (int j = 0; j < kept; j++) {
            assertEquals(s[expected[j]], scores[j]);
        }
    }

    /** The threshold is the score to reach: an equal score enters by a lower id only, so callers skip only below. */
    @Test
    void anEqualScoreEntersByALowerIdOnly() {
        TopK top = new TopK(2);
        assertEquals(Float.NEGATIVE_INFINITY, top.threshold(), "not full");
        top.offer(0, 10, 0.5f);
        assertEquals(Float.NEGATIVE_INFINITY, top.threshold(), "not full");
        top.offer(1, 20, 0.75f);
        assertEquals(0.5f, top.threshold());
        top.offer(2, 30, 0.5f);
        top.offer(3, 10, 0.25f);
        assertDrains(top, new int[] {1, 0}, new float[] {0.75f, 0.5f});
        top.offer(0, 10, 0.5f);
        top.offer(1, 20, 0.75f);
        top.offer(4, 5, 0.5f);
        assertEquals(0.5f, top.threshold());
        assertDrains(top, new int[] {1, 4}, new float[] {0.75f, 0.5f});
    }

    /** Fewer offers than k: drains what it holds, best first, at the offset; the rest stays untouched. */
    @Test
    void drainsFewerThanKAtTheOffset() {
        TopK top = new TopK(4);
        top.offer(7, 7, 0.25f);
        top.offer(3, 3, 0.75f);
        assertEquals(2, top.size());
        int[] rows = {-1, -1, -1, -1, -1};
        float[] scores = new float[5];
        top.drainInto(rows, scores, 1);
        assertArrayEquals(new int[] {-1, 3, 7, -1, -1}, rows);
        assertArrayEquals(new float[] {0, 0.75f, 0.25f, 0, 0}, scores);
    }

    @Test
    void kBelowOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TopK(0));
        assertEquals("k must be >= 1, got 0", e.getMessage());
    }

    private static void assertDrains(TopK top, int[] rows, float[] scores) {
        int[] r = new int[rows.length];
        float[] s = new float[scores.length];
        top.drainInto(r, s, 0);
        assertArrayEquals(rows, r);
        assertArrayEquals(scores, s);
    }
}
