package org.marginkernels.spi;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where a gallery row lives in the off-heap storage of a {@code GalleryIndex}, in memory and in its file: rows are
 * grouped in panels of {@value #PANEL} rows stored transposed, so element (row r, coordinate d) of a gallery of
 * {@code dim} coordinates is element {@code (r / PANEL) * dim * PANEL + d * PANEL + r % PANEL}. A panel is the packed
 * B operand of the GEMM (one query block times 32 rows reads each coordinate's 32 values as whole vectors) and of the
 * single-query scan (the lanes are rows, so no horizontal sum is needed). Lanes past the last row are zero.
 *
 * <p>The panel width is fixed, not the vector width, so a file saved on one CPU opens on any other. Float rows and
 * int8 codes use the same layout with 4 and 1 bytes per element; all values are little-endian.
 */
public final class GalleryLayout {

    /** Rows per panel: a multiple of 2 vectors of every float species up to 512 bits. */
    public static final int PANEL = 32;

    /** The byte order of every stored value. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** A stored float (rows, scales). */
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT.withOrder(ORDER);

    /** A stored id. */
    public static final ValueLayout.OfLong ID = ValueLayout.JAVA_LONG.withOrder(ORDER);

    private GalleryLayout() {
    }

    /** The panels that hold {@code rows} rows. */
    public static long panels(long rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    /** The index of element (row, d) in a panel-packed matrix of {@code dim} columns (bytes = index x size). */
    public static long element(long row, int d, int dim) {
        return (row / PANEL) * dim * PANEL + (long) d * PANEL + row % PANEL;
    }

    /** The elements of one panel. */
    public static long panelElements(int dim) {
        return (long) dim * PANEL;
    }
}
