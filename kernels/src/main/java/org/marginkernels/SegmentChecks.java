package org.marginkernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.marginkernels.spi.RowCheck;

/**
 * The facade's checks of off-heap matrices: a {@link MemorySegment} with a byte offset holding rows of floats in
 * native byte order ({@link ValueLayout#JAVA_FLOAT}). Like {@link Checks}, each names the argument and writes
 * nothing; together they make every later access in bounds, aligned and readable by the backend's threads.
 */
final class SegmentChecks {

    /**
     * A thread that never runs, to ask whether a segment is confined to the calling thread: backends read segments
     * from worker threads, where a confined one throws WrongThreadException.
     */
    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    private SegmentChecks() {
    }

    /**
     * Checks that {@code segment} holds {@code floats} aligned floats from byte {@code offset}, alive and shared.
     *
     * @param writable whether the floats are an output (a read-only segment is refused)
     */
    static void floats(String name, MemorySegment segment, long offset, long floats, boolean writable) {
        Checks.notNull(name, segment);
        if (!segment.scope().isAlive()) {
            throw new IllegalArgumentException(name + " must be alive, but its arena is closed");
        }
        if (!segment.isAccessibleBy(OTHER_THREAD)) {
            throw new IllegalArgumentException(name + " must be readable by the backend's worker threads: allocate "
                    + "it in a shared, global or automatic arena, not a confined one");
        }
        if (writable && segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " must be writable, got a read-only segment");
        }
        if (offset < 0 || offset % Float.BYTES != 0 || segment.maxByteAlignment() < Float.BYTES) {
            throw new IllegalArgumentException(name + "Offset must be a non-negative multiple of 4 bytes in a segment "
                    + "aligned to 4 bytes (floats), got offset " + offset + " in a segment aligned to "
                    + segment.maxByteAlignment());
        }
        long bytes = Math.multiplyExact(floats, Float.BYTES);
        if (offset > segment.byteSize() - bytes) {
            throw new IllegalArgumentException(name + " must hold " + floats + " floats (" + bytes + " bytes) from "
                    + name + "Offset " + offset + ", but the segment has " + segment.byteSize() + " bytes");
        }
    }

    /** An output segment must not share a byte with an input's floats, nor wrap an input or output array. */
    static void disjoint(String outName, MemorySegment out, long outOffset, String inName, MemorySegment in,
            long inOffset, long bytes) {
        if (out.asSlice(outOffset, bytes).asOverlappingSlice(in.asSlice(inOffset, bytes)).isPresent()) {
            throw new IllegalArgumentException(outName + " must not overlap " + inName);
        }
    }

    /** A segment over a heap array must not wrap {@code array}, an array the call reads or writes. */
    static void notOver(String segmentName, MemorySegment segment, String arrayName, float[] array) {
        if (array != null && segment.heapBase().orElse(null) == array) {
            throw new IllegalArgumentException(segmentName + " must not wrap the same array as " + arrayName);
        }
    }

    /** The float at row {@code row} of {@code dim} floats: its first byte. */
    static long rowOffset(long offset, long row, int dim) {
        return offset + row * dim * Float.BYTES;
    }

    /** Copies row {@code row} of the matrix at {@code offset} into dst[dstOff, dstOff + dim). */
    static void copyRow(MemorySegment segment, long offset, long row, int dim, float[] dst, int dstOff) {
        MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, rowOffset(offset, row, dim), dst, dstOff, dim);
    }

    /**
     * {@link Checks#finiteRowsWithNorm} for {@code rows} rows of the matrix at {@code offset}, a row at a time
     * through a float[dim] copy: the same sums, so the same rows pass and the same message names the first failure.
     */
    static void finiteRowsWithNorm(String name, MemorySegment segment, long offset, long rows, int dim) {
        float[] row = new float[dim];
        for (long r = 0; r < rows; r++) {
            copyRow(segment, offset, r, dim, row, 0);
            double sum = RowCheck.sumOfSquares(row, 0, dim);
            if (!RowCheck.passes(sum)) {
                throw RowCheck.failure(name, row, 0, dim, r, sum);
            }
        }
    }
}
