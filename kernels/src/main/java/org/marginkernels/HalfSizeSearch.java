package org.marginkernels;

import org.marginkernels.reference.ScalarGalleryKernels;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GalleryView;
import org.marginkernels.spi.TopK;

/**
 * The half-size search: the searcher scans the int8 codes (a quarter of the float rows' bytes) for the
 * {@link #candidates} best rows by approximate score, and each candidate is then scored from its float row by the
 * very FMA chain of the full scan. Scores are therefore exact, and the top k equal the full scan's whenever the true
 * top k are among the candidates: a row's approximate score is off by at most scale_r / 2 x |q|_1 (at most
 * 127^-1 max|x| sqrt(dim) / 2), usually far less (rounding errors of the codes cancel), so on data whose top k
 * stand out by more than that it is exact.
 */
final class HalfSizeSearch {

    /** Candidates re-ranked per query: max(4k, 64), at most the gallery. */
    static int candidates(int k, int count) {
        return Math.min(count, Math.max(4 * k, 64));
    }

    private HalfSizeSearch() {
    }

    /**
     * The k best rows of q normalized queries by exact score, via int8 candidates; a plain search where the
     * candidates would be every row (scanning the codes first would only add work). rows and scores modified.
     */
    static void search(GallerySearcher searcher, GalleryView gallery, float[] queries, int q, int k, int[] rows,
            float[] scores) {
        int wide = candidates(k, gallery.count());
        if (wide == gallery.count()) {
            searcher.search(gallery, queries, q, k, rows, scores);
            return;
        }
        int[] candidateRows = new int[q * wide];
        float[] approximate = new float[q * wide];
        searcher.searchCodes(gallery, queries, q, wide, candidateRows, approximate);
        int dim = gallery.dim();
        TopK best = new TopK(k);
        for (int i = 0; i < q; i++) {
            for (int c = 0; c < wide; c++) {
                int row = candidateRows[i * wide + c];
                best.offer(row, gallery.id(row), ScalarGalleryKernels.score(queries, i * dim, dim, gallery.rows(),
                        row));
            }
            best.drainInto(rows, scores, i * k);
        }
    }
}
