package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.spi.TopKSelector;

class TopKSelectorTest {

    /** Against a full sort by (score desc, index asc); scores drawn from few values so ties are common. */
    @Property(tries = 200, seed = "9")
    void selectsTheSameAsAFullSort(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll @IntRange(min = 1, max = 20) int k,
            @ForAll long seed) {
        int kk = Math.min(k, n);
        Random r = new Random(seed);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(17) / 16f;
        }
        TopKSelector a = new TopKSelector(kk);
        TopKSelector b = new TopKSelector(kk);
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? a : b).offer(i, s[i]);
        }
        a.merge(b);
        int[] idx = new int[kk];
        float[] sc = new float[kk];
        a.drainInto(idx, sc, 0);
        int[] expected = IntStream.range(0, n).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i))
                .limit(kk).mapToInt(Integer::intValue).toArray();
        assertArrayEquals(expected, idx, Arrays.toString(s));
    }
}
