package org.marginkernels.reference;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.marginkernels.spi.GalleryLayout;

/**
 * The gallery scores of one panel in plain Java, one {@link Math#fma(float, float, float)} at a time in coordinate
 * order: the bits every vector implementation must reproduce (see {@link org.marginkernels.spi.GallerySearcher}).
 */
public final class ScalarGalleryKernels {

    private ScalarGalleryKernels() {
    }

    /**
     * c[i PANEL + j] = sum_d a[i dim + d] x_j[d] as a chain of FMAs, for i &lt; q and the PANEL rows j of the float
     * panel that starts at element {@code panelElement} of {@code rows}. c modified.
     */
    public static void floatPanel(float[] a, int q, int dim, MemorySegment rows, long panelElement, float[] c) {
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < GalleryLayout.PANEL; j++) {
                c[i * GalleryLayout.PANEL + j] = chain(a, i * dim, dim, rows, panelElement + j);
            }
        }
    }

    /** {@link #floatPanel} over the int8 codes panel that starts at byte {@code panelElement} of codes. c modified. */
    public static void codePanel(float[] a, int q, int dim, MemorySegment codes, long panelElement, float[] c) {
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < GalleryLayout.PANEL; j++) {
                float s = 0f;
                long e = panelElement + j;
                for (int d = 0; d < dim; d++, e += GalleryLayout.PANEL) {
                    s = Math.fma(a[i * dim + d], codes.get(ValueLayout.JAVA_BYTE, e), s);
                }
                c[i * GalleryLayout.PANEL + j] = s;
            }
        }
    }

    /** The float score of one row: the chain of {@link #floatPanel} for that row alone. */
    public static float score(float[] a, int aOff, int dim, MemorySegment rows, int row) {
        return chain(a, aOff, dim, rows, GalleryLayout.element(row, 0, dim));
    }

    /**
     * The FMA chain every searcher's float scores equal bit for bit: sum_d a[aOff + d] x[d] in order from zero, x's
     * coordinates at float elements first, first + PANEL, ... of rows.
     */
    private static float chain(float[] a, int aOff, int dim, MemorySegment rows, long first) {
        float s = 0f;
        long e = first;
        for (int d = 0; d < dim; d++, e += GalleryLayout.PANEL) {
            s = Math.fma(a[aOff + d], rows.getAtIndex(GalleryLayout.FLOAT, e), s);
        }
        return s;
    }
}
