package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link MatrixRows} of an off-heap segment (native byte order, from a byte offset): a block is copied into a
 * tile-sized float[] to be read, and written there and copied back. Staging costs one memory copy per block read
 * (a tile of 256 x 512 floats, 512 KB, against the 2 x 64 x 256 x 512 flops of one GEMM over it), not a copy of
 * the matrix; indices are long, so the matrix may exceed 2^31 floats. The facade has checked bounds and alignment.
 */
record SegmentRows(MemorySegment segment, long offset, int rows, int dim) implements MatrixRows {

    @Override
    public boolean staged() {
        return true;
    }

    @Override
    public float[] read(int first, int n, float[] staging) {
        MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, byteOffset(first), staging, 0, n * dim);
        return staging;
    }

    @Override
    public int localRow(int first) {
        return 0;
    }

    @Override
    public float[] writable(int first, int n, float[] staging) {
        return staging;
    }

    @Override
    public void written(int first, int n, float[] staging) {
        MemorySegment.copy(staging, 0, segment, ValueLayout.JAVA_FLOAT, byteOffset(first), n * dim);
    }

    private long byteOffset(int row) {
        return offset + (long) row * dim * Float.BYTES;
    }
}
