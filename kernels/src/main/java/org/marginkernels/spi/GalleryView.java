package org.marginkernels.spi;

import java.lang.foreign.MemorySegment;

/**
 * What a {@link GallerySearcher} reads of a gallery, in the {@link GalleryLayout}: normalized float rows, their ids,
 * and optionally the int8 codes with one scale per row (row r is approximated by scales[r] x codes[r]). A view is
 * read only; the index holds its read lock while a searcher uses one.
 *
 * @param rows panel-packed normalized rows, float, at least panels(count) x dim x PANEL elements
 * @param ids the id of each row, count longs
 * @param codes panel-packed int8 codes (same element order as rows, one byte each), or null
 * @param scales one float per row (panels(count) x PANEL), or null when codes is null
 * @param count rows in use
 * @param dim coordinates per row
 */
public record GalleryView(MemorySegment rows, MemorySegment ids, MemorySegment codes, MemorySegment scales,
        int count, int dim) {

    /** The id of row {@code row}. */
    public long id(int row) {
        return ids.getAtIndex(GalleryLayout.ID, row);
    }

    /** The scale of row {@code row}'s codes. */
    public float scale(int row) {
        return scales.getAtIndex(GalleryLayout.FLOAT, row);
    }

    /** Whether int8 codes are present. */
    public boolean hasCodes() {
        return codes != null;
    }
}
