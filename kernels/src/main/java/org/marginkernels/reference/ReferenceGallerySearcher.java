package org.marginkernels.reference;

import org.marginkernels.spi.GalleryLayout;
import org.marginkernels.spi.GalleryScan;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GalleryView;
import org.marginkernels.spi.TopK;

/**
 * The plain Java gallery searcher ("reference"): one thread, {@link ScalarGalleryKernels} panel after panel. It
 * gives the same bits as every other searcher, and runs wherever the Vector API does not.
 */
public final class ReferenceGallerySearcher implements GallerySearcher {

    /** The name users select it by. */
    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void search(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores) {
        scan(gallery, queries, q, k, rows, scores, false);
    }

    @Override
    public void searchCodes(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores) {
        scan(gallery, queries, q, k, rows, scores, true);
    }

    private static void scan(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores,
            boolean codes) {
        TopK[] selectors = GalleryScan.selectors(q, k);
        float[] c = new float[q * GalleryLayout.PANEL];
        int dim = gallery.dim();
        for (long p = 0, panels = GalleryLayout.panels(gallery.count()); p < panels; p++) {
            long first = p * GalleryLayout.panelElements(dim);
            if (codes) {
                ScalarGalleryKernels.codePanel(queries, q, dim, gallery.codes(), first, c);
            } else {
                ScalarGalleryKernels.floatPanel(queries, q, dim, gallery.rows(), first, c);
            }
            GalleryScan.offerPanel(gallery, p, c, q, selectors, codes);
        }
        GalleryScan.drain(new TopK[][] {selectors}, q, k, rows, scores);
    }

    @Override
    public void close() {
    }
}
