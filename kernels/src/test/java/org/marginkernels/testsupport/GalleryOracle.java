package org.marginkernels.testsupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.marginkernels.GalleryIndex;
import org.marginkernels.spi.RowCheck;

/**
 * Brute-force oracles of a gallery search over a model of the enrolled rows (id -&gt; raw row): the exact float one
 * (rows and queries normalized in double and rounded once, each score one Math.fma chain in coordinate order, order
 * by score then id), which every searcher must match bit for bit, and the cosine in double, which bounds how far
 * those float scores may be from the true cosines.
 */
public final class GalleryOracle {

    private GalleryOracle() {
    }

    /** A row of dim Gaussian coordinates (norm far from 0 for any dim). */
    public static float[] gaussian(SplittableRandom r, int rows, int dim) {
        float[] out = new float[rows * dim];
        for (int i = 0; i < out.length; i++) {
            // Box-Muller from the seeded source, so the draws do not depend on java.util.Random's state
            double u = 1 - r.nextDouble();
            out[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
            if (Math.abs(out[i]) < 1e-3) {
                out[i] = 0.5f;
            }
        }
        return out;
    }

    /** Row i of a row-major matrix. */
    public static float[] row(float[] m, int i, int dim) {
        float[] out = new float[dim];
        System.arraycopy(m, i * dim, out, 0, dim);
        return out;
    }

    /** x / |x| in double, rounded once per coordinate, |x| summed as the index sums it: what the index stores. */
    public static float[] normalized(float[] x) {
        double norm = Math.sqrt(RowCheck.sumOfSquares(x, 0, x.length));
        float[] out = new float[x.length];
        for (int d = 0; d < x.length; d++) {
            out[d] = (float) (x[d] / norm);
        }
        return out;
    }

    /** The exact float score: one FMA chain over the coordinates in order. */
    public static float floatScore(float[] qHat, float[] xHat) {
        float s = 0f;
        for (int d = 0; d < qHat.length; d++) {
            s = Math.fma(qHat[d], xHat[d], s);
        }
        return s;
    }

    /** The cosine in double. */
    public static double cosine(float[] q, float[] x) {
        double dot = 0;
        double qq = 0;
        double xx = 0;
        for (int d = 0; d < q.length; d++) {
            dot += (double) q[d] * x[d];
            qq += (double) q[d] * q[d];
            xx += (double) x[d] * x[d];
        }
        return dot / Math.sqrt(qq) / Math.sqrt(xx);
    }

    /**
     * |float score - cosine| allowed: dim + 4 roundings of 2^-24 (normalizations, products and sums of a chain whose
     * terms' magnitudes add up to at most 1 by Cauchy-Schwarz), doubled.
     */
    public static double tolerance(int dim) {
        return 2 * (dim + 4) * 0x1p-24;
    }

    /** The expected ids and scores of query q against the model, k best, exact float order. */
    public static Map.Entry<long[], float[]> expected(Map<Long, float[]> model, float[] query, int k) {
        float[] qHat = normalized(query);
        List<Map.Entry<Long, Float>> all = new ArrayList<>();
        for (Map.Entry<Long, float[]> e : model.entrySet()) {
            all.add(Map.entry(e.getKey(), floatScore(qHat, normalized(e.getValue()))));
        }
        all.sort(Comparator.<Map.Entry<Long, Float>>comparingDouble(e -> -e.getValue())
                .thenComparingLong(Map.Entry::getKey));
        long[] ids = new long[k];
        float[] scores = new float[k];
        for (int r = 0; r < k; r++) {
            ids[r] = all.get(r).getKey();
            scores[r] = all.get(r).getValue();
        }
        return Map.entry(ids, scores);
    }

    /**
     * Checks a search result against both oracles: the exact float order bit for bit, and every score within
     * {@link #tolerance} of the double cosine of its id.
     */
    public static void check(String what, Map<Long, float[]> model, float[] queries, int dim, int k,
            GalleryIndex.SearchResult result) {
        int q = queries.length / dim;
        assertEquals(q, result.queries(), what + ": queries");
        for (int i = 0; i < q; i++) {
            float[] query = row(queries, i, dim);
            Map.Entry<long[], float[]> want = expected(model, query, k);
            long[] gotIds = new long[k];
            float[] gotScores = new float[k];
            for (int r = 0; r < k; r++) {
                gotIds[r] = result.id(i, r);
                gotScores[r] = result.score(i, r);
                double cos = cosine(query, model.get(gotIds[r]));
                assertTrue(Math.abs(gotScores[r] - cos) <= tolerance(dim),
                        what + ": query " + i + " rank " + r + " score " + gotScores[r] + " vs cosine " + cos);
            }
            assertArrayEquals(want.getKey(), gotIds, what + ": ids of query " + i);
            assertArrayEquals(want.getValue(), gotScores, what + ": scores of query " + i);
        }
    }

    /** A model of ids 0..n-1 over the rows of a matrix, in id order. */
    public static Map<Long, float[]> model(long[] ids, float[] rows, int dim) {
        Map<Long, float[]> model = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) {
            model.put(ids[i], row(rows, i, dim));
        }
        return model;
    }
}
