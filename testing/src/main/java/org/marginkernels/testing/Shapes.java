package org.marginkernels.testing;

import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik arbitraries of the sizes that break SIMD and tiled kernels: 1, small primes, and every vector width +-1
 * (4, 8, 16, 32 and 64 lanes: SSE to AVX-512 floats, and the unroll factors built on them), plus whatever is large.
 * A kernel with a wrong loop bound, a missing vector tail or a tile edge error fails at one of these, rarely at a
 * random size.
 */
public final class Shapes {

    /** Vector widths in floats whose neighbours are edge sizes: 128- to 512-bit lanes and 2x/4x unrolls of them. */
    private static final int[] WIDTHS = {4, 8, 16, 32, 64, 128, 256, 512, 1024};

    /** Primes that are no SIMD width +- 1: sizes no blocking divides. */
    private static final int[] PRIMES = {2, 3, 5, 7, 11, 13, 31, 97, 251, 1031, 2053, 4099, 8191};

    private Shapes() {
    }

    /**
     * The edge sizes in [min, max]: 1, the primes, every width +- 1 and max itself, ascending.
     *
     * @throws IllegalArgumentException unless 1 &lt;= min &lt;= max
     */
    public static int[] edgeSizes(int min, int max) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("need 1 <= min <= max, got min " + min + ", max " + max);
        }
        TreeSet<Integer> sizes = new TreeSet<>();
        sizes.add(1);
        sizes.add(max);
        for (int p : PRIMES) {
            sizes.add(p);
        }
        for (int w : WIDTHS) {
            sizes.add(w - 1);
            sizes.add(w);
            sizes.add(w + 1);
        }
        return sizes.stream().mapToInt(Integer::intValue).filter(s -> s >= min && s <= max).toArray();
    }

    /** An arbitrary over {@link #edgeSizes(int, int)}, each equally likely. */
    public static Arbitrary<Integer> sizes(int min, int max) {
        return Arbitraries.of(box(edgeSizes(min, max)));
    }

    /**
     * Shapes with batch, dim and classes each drawn from their edge sizes, and one time in ten one of the given large
     * shapes, which exercise multi-tile and multi-thread paths.
     *
     * @param large shapes beyond the edge bounds, drawn as given; at least one
     */
    public static Arbitrary<Shape> shapes(int maxBatch, int maxDim, int minClasses, int maxClasses, Shape... large) {
        if (large.length == 0) {
            throw new IllegalArgumentException("large must name at least one shape");
        }
        Arbitrary<Shape> edge = Combinators.combine(sizes(1, maxBatch), sizes(1, maxDim),
                sizes(minClasses, maxClasses)).as(Shape::new);
        return Arbitraries.frequencyOf(Tuple.of(9, edge), Tuple.of(1, Arbitraries.of(large)));
    }

    private static Integer[] box(int[] a) {
        Integer[] out = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
