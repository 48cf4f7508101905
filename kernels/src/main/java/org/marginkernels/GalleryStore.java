package org.marginkernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.marginkernels.spi.GalleryLayout;
import org.marginkernels.spi.GalleryView;

/**
 * The off-heap rows of a {@link GalleryIndex} in the {@link GalleryLayout}: normalized float rows, ids and, for a
 * half-size index, int8 codes with one scale per row. Segments belong to one shared {@link Arena}; growing allocates
 * twice the capacity in a new arena, copies and closes the old one. Storage opened from a file is mapped read only
 * ({@link #mapped}); the first change copies it into memory.
 *
 * <p>Removal moves the last row into the freed position (swap with last), so rows stay dense and a scan never meets
 * a hole; the moved row's id changes position, never its id. Not thread-safe: the index locks around it.
 */
final class GalleryStore implements AutoCloseable {

    /** The largest code magnitude: codes are in [-127, 127], symmetric so that -x codes to -code(x). */
    static final int CODE_MAX = 127;

    final int dim;
    final boolean halfSize;
    private Arena arena;
    private MemorySegment rows;
    private MemorySegment ids;
    private MemorySegment codes;
    private MemorySegment scales;
    private int capacity;
    private int count;
    private boolean mapped;

    /** Empty storage for rows of {@code dim} coordinates. */
    GalleryStore(int dim, boolean halfSize) {
        this.dim = dim;
        this.halfSize = halfSize;
        allocate(GalleryLayout.PANEL);
    }

    /** Storage over segments of a mapped file, owned by {@code arena} (closed with this store). */
    GalleryStore(int dim, int count, Arena arena, MemorySegment rows, MemorySegment ids, MemorySegment codes,
            MemorySegment scales) {
        this.dim = dim;
        this.halfSize = codes != null;
        this.arena = arena;
        this.rows = rows;
        this.ids = ids;
        this.codes = codes;
        this.scales = scales;
        this.count = count;
        this.capacity = count;
        this.mapped = true;
    }

    int count() {
        return count;
    }

    /** What searchers read; valid until the next change. */
    GalleryView view() {
        return new GalleryView(rows, ids, codes, scales, count, dim);
    }

    long id(int row) {
        return ids.getAtIndex(GalleryLayout.ID, row);
    }

    /**
     * Appends row {@code src[off, off + dim)} (already checked: finite, norm in range) divided by
     * {@code norm}, the row's norm as the check computed it, with its id and,
     * for a half-size store, its codes.
     */
    void append(long id, float[] src, int off, double norm) {
        ensureCapacity(count + 1);
        int r = count;
        float maxAbs = 0f;
        for (int d = 0; d < dim; d++) {
            float x = (float) (src[off + d] / norm);
            rows.setAtIndex(GalleryLayout.FLOAT, GalleryLayout.element(r, d, dim), x);
            maxAbs = Math.max(maxAbs, Math.abs(x));
        }
        if (halfSize) {
            // x ~ scale code with |x - scale code| <= scale / 2; maxAbs >= 1/sqrt(dim) > 0 for a unit row
            float scale = maxAbs / CODE_MAX;
            for (int d = 0; d < dim; d++) {
                float x = rows.getAtIndex(GalleryLayout.FLOAT, GalleryLayout.element(r, d, dim));
                int code = Math.clamp(Math.round(x / scale), -CODE_MAX, CODE_MAX);
                codes.set(ValueLayout.JAVA_BYTE, GalleryLayout.element(r, d, dim), (byte) code);
            }
            scales.setAtIndex(GalleryLayout.FLOAT, r, scale);
        }
        ids.setAtIndex(GalleryLayout.ID, r, id);
        count++;
    }

    /** Removes row {@code row}: the last row moves into it and its old lanes are zeroed. */
    void removeAt(int row) {
        writable();
        int last = count - 1;
        for (int d = 0; d < dim; d++) {
            long to = GalleryLayout.element(row, d, dim);
            long from = GalleryLayout.element(last, d, dim);
            rows.setAtIndex(GalleryLayout.FLOAT, to, rows.getAtIndex(GalleryLayout.FLOAT, from));
            rows.setAtIndex(GalleryLayout.FLOAT, from, 0f);
            if (halfSize) {
                codes.set(ValueLayout.JAVA_BYTE, to, codes.get(ValueLayout.JAVA_BYTE, from));
                codes.set(ValueLayout.JAVA_BYTE, from, (byte) 0);
            }
        }
        if (halfSize) {
            scales.setAtIndex(GalleryLayout.FLOAT, row, scales.getAtIndex(GalleryLayout.FLOAT, last));
            scales.setAtIndex(GalleryLayout.FLOAT, last, 0f);
        }
        ids.setAtIndex(GalleryLayout.ID, row, ids.getAtIndex(GalleryLayout.ID, last));
        count--;
    }

    /** Makes room for {@code rows} rows (whole panels), copying mapped storage into memory. */
    void ensureCapacity(int needed) {
        if (needed <= capacity && !mapped) {
            return;
        }
        int target = needed <= capacity ? capacity
                : (int) Math.min(Integer.MAX_VALUE - GalleryLayout.PANEL, Math.max(needed, 2L * capacity));
        MemorySegment oldRows = rows;
        MemorySegment oldIds = ids;
        MemorySegment oldCodes = codes;
        MemorySegment oldScales = scales;
        Arena old = arena;
        allocate(target);
        if (count > 0) {
            long elements = GalleryLayout.panels(count) * GalleryLayout.panelElements(dim);
            MemorySegment.copy(oldRows, 0, rows, 0, elements * Float.BYTES);
            MemorySegment.copy(oldIds, 0, ids, 0, (long) count * Long.BYTES);
            if (halfSize) {
                MemorySegment.copy(oldCodes, 0, codes, 0, elements);
                MemorySegment.copy(oldScales, 0, scales, 0, GalleryLayout.panels(count) * GalleryLayout.PANEL
                        * Float.BYTES);
            }
        }
        mapped = false;
        old.close();
    }

    private void writable() {
        if (mapped) {
            ensureCapacity(count);
        }
    }

    private void allocate(int rowsWanted) {
        long panels = GalleryLayout.panels(rowsWanted);
        long elements = panels * GalleryLayout.panelElements(dim);
        // zero-filled: lanes past the last row score 0 and are never offered
        arena = Arena.ofShared();
        rows = arena.allocate(elements * Float.BYTES, 64);
        ids = arena.allocate(panels * GalleryLayout.PANEL * Long.BYTES, 64);
        codes = halfSize ? arena.allocate(elements, 64) : null;
        scales = halfSize ? arena.allocate(panels * GalleryLayout.PANEL * Float.BYTES, 64) : null;
        capacity = (int) (panels * GalleryLayout.PANEL);
    }

    @Override
    public void close() {
        arena.close();
    }
}
