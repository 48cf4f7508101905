package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.marginkernels.testsupport.GalleryOracle;

/**
 * {@link GalleryIndex} with the reference searcher against the brute-force oracles of {@link GalleryOracle}: shapes
 * (dims 1, primes, 8 and 16 +- 1; row counts around the 32-row panel), ties, add and remove, half size.
 */
class GalleryIndexTest {

    private static final long SEED = 0x6A11E7L;
    private static final int[] DIMS = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 61, 128};
    private static final int[] COUNTS = {1, 2, 5, 31, 32, 33, 64, 97};

    @Property(tries = 40)
    void searchMatchesBruteForce(@ForAll @IntRange(min = 0, max = 13) int dimIndex,
            @ForAll @IntRange(min = 0, max = 7) int countIndex, @ForAll @IntRange(min = 1, max = 7) int q,
            @ForAll @IntRange(min = 1, max = 12) int kWanted, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int dim = DIMS[dimIndex];
        int count = COUNTS[countIndex];
        int k = Math.min(kWanted, count);
        SplittableRandom r = new SplittableRandom(SEED + seed);
        float[] rows = GalleryOracle.gaussian(r, count, dim);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = r.nextLong();
        }
        float[] queries = GalleryOracle.gaussian(r, q, dim);
        try (GalleryIndex index = GalleryIndex.builder(dim).searcher("reference").build()) {
            index.addAll(ids, rows);
            GalleryOracle.check("dim " + dim + " count " + count + " q " + q + " k " + k,
                    GalleryOracle.model(ids, rows, dim), queries, dim, k, index.search(queries, k));
        }
    }

    /** Equal scores come lower id first, whatever the order of enrolment. */
    @Test
    void tiesComeLowerIdFirst() {
        int dim = 5;
        float[] base = {1, -2, 3, 0.5f, 2};
        long[] ids = {40, 7, 12, -3, 99};
        try (GalleryIndex index = GalleryIndex.builder(dim).searcher("reference").build()) {
            for (int i = 0; i < ids.length; i++) {
                // exact multiples by powers of two normalize to the same floats
                float[] row = base.clone();
                for (int d = 0; d < dim; d++) {
                    row[d] *= 1 << i;
                }
                index.add(ids[i], row);
            }
            GalleryIndex.SearchResult res = index.search(new float[] {1, 1, 1, 1, 1}, 5);
            assertArrayEquals(new long[] {-3, 7, 12, 40, 99}, res.ids());
            for (int j = 1; j < 5; j++) {
                assertEquals(res.score(0, 0), res.score(0, j));
            }
        }
    }

    /** A random sequence of adds and removes against a model of the enrolled rows. */
    @Property(tries = 15)
    void addAndRemoveFollowTheModel(@ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(SEED ^ seed);
        int dim = 1 + r.nextInt(40);
        boolean half = r.nextBoolean();
        Map<Long, float[]> model = new LinkedHashMap<>();
        try (GalleryIndex index = GalleryIndex.builder(dim).searcher("reference").halfSize(half).build()) {
            for (int step = 0; step < 120; step++) {
                List<Long> present = new ArrayList<>(model.keySet());
                if (!present.isEmpty() && r.nextInt(3) == 0) {
                    long id = present.get(r.nextInt(present.size()));
                    assertTrue(index.remove(id));
                    assertFalse(index.remove(id));
                    model.remove(id);
                } else {
                    long id = r.nextInt(200);
                    float[] row = GalleryOracle.gaussian(r, 1, dim);
                    if (model.containsKey(id)) {
                        continue;
                    }
                    index.add(id, row);
                    model.put(id, row);
                }
                assertEquals(model.size(), index.size());
                if (step % 10 == 9 && !model.isEmpty()) {
                    float[] queries = GalleryOracle.gaussian(r, 3, dim);
                    int k = Math.min(model.size(), 1 + r.nextInt(6));
                    if (!half) {
                        GalleryOracle.check("step " + step, model, queries, dim, k, index.search(queries, k));
                    }
                    for (long id : model.keySet()) {
                        assertTrue(index.contains(id));
                    }
                }
            }
        }
    }

    /**
     * Half size on well-separated data (identities with noise): the int8 candidates hold the true top k, so ids
     * and scores equal the full-size index's bit for bit.
     */
    @Test
    void halfSizeEqualsFullSizeOnSeparatedData() {
        int dim = 96;
        int identities = 150;
        int perIdentity = 3;
        SplittableRandom r = new SplittableRandom(SEED);
        float[] centers = GalleryOracle.gaussian(r, identities, dim);
        int n = identities * perIdentity;
        float[] rows = noisy(r, centers, n, dim);
        float[] queries = noisy(r, centers, 8, dim);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1000 + i;
        }
        try (GalleryIndex full = GalleryIndex.builder(dim).searcher("reference").build();
                GalleryIndex half = GalleryIndex.builder(dim).searcher("reference").halfSize(true).build()) {
            full.addAll(ids, rows);
            half.addAll(ids, rows);
            assertTrue(half.halfSize());
            for (int q = 1; q <= GalleryIndex.HALF_SIZE_MAX_QUERIES; q++) {
                float[] batch = java.util.Arrays.copyOf(queries, q * dim);
                GalleryIndex.SearchResult a = full.search(batch, 10);
                GalleryIndex.SearchResult b = half.search(batch, 10);
                assertArrayEquals(a.ids(), b.ids(), "ids, batch " + q);
                assertArrayEquals(a.scores(), b.scores(), "scores, batch " + q);
            }
            GalleryOracle.check("half size", GalleryOracle.model(ids, rows, dim), queries, dim, 10,
                    half.search(queries, 10));
        }
    }

    /** Rows of centers[i % centers] plus noise of a quarter of a coordinate's spread. */
    static float[] noisy(SplittableRandom r, float[] centers, int n, int dim) {
        int identities = centers.length / dim;
        float[] noise = GalleryOracle.gaussian(r, n, dim);
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) {
            int c = i % identities;
            for (int d = 0; d < dim; d++) {
                out[i * dim + d] = centers[c * dim + d] + 0.25f * noise[i * dim + d];
            }
        }
        return out;
    }
}
