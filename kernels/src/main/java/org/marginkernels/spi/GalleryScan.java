package org.marginkernels.spi;

/**
 * The selection steps every {@link GallerySearcher} shares: offering one panel's scores to per-query selectors,
 * and merging per-worker selectors into the results.
 */
public final class GalleryScan {

    private GalleryScan() {
    }

    /**
     * Offers the scores of panel {@code panel}, c[i PANEL + j] for query i and row panel PANEL + j, to
     * selectors[i]; lanes past the last row are skipped; with {@code scaled} each score is first multiplied by its
     * row's code scale (one float rounding, as every searcher does it).
     */
    public static void offerPanel(GalleryView gallery, long panel, float[] c, int q, TopK[] selectors,
            boolean scaled) {
        int row0 = Math.toIntExact(panel * GalleryLayout.PANEL);
        int lanes = Math.min(GalleryLayout.PANEL, gallery.count() - row0);
        for (int i = 0; i < q; i++) {
            TopK sel = selectors[i];
            float threshold = sel.threshold();
            int base = i * GalleryLayout.PANEL;
            for (int j = 0; j < lanes; j++) {
                float s = scaled ? c[base + j] * gallery.scale(row0 + j) : c[base + j];
                // an equal score may still win by a lower id, so only strictly lower ones are skipped
                if (s >= threshold) {
                    sel.offer(row0 + j, gallery.id(row0 + j), s);
                    threshold = sel.threshold();
                }
            }
        }
    }

    /**
     * Merges, per query, the selectors of every worker (in worker order; null rows are workers that took no task)
     * and writes the k best to rows[i k ..] and scores. rows and scores modified.
     */
    public static void drain(TopK[][] perWorker, int q, int k, int[] rows, float[] scores) {
        TopK merged = new TopK(k);
        for (int i = 0; i < q; i++) {
            for (TopK[] selectors : perWorker) {
                if (selectors != null) {
                    merged.merge(selectors[i]);
                }
            }
            merged.drainInto(rows, scores, i * k);
        }
    }

    /** q fresh selectors of k entries. */
    public static TopK[] selectors(int q, int k) {
        TopK[] out = new TopK[q];
        for (int i = 0; i < q; i++) {
            out[i] = new TopK(k);
        }
        return out;
    }
}
