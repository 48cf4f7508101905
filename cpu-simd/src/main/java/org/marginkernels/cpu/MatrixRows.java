package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;

/**
 * A row-major matrix of {@code dim}-float rows as {@link ClassTiles} reads and writes it, a block of rows (one class
 * tile) at a time: a float[] in place ({@link HeapRows}), or an off-heap segment ({@link SegmentRows}) staged
 * through a tile-sized float[] so that the kernels, which take arrays, serve both and the matrix may exceed 2^31
 * floats. Callers read rows [first, first + n) at {@code array[localRow(first) * dim ...]} of the returned array.
 */
sealed interface MatrixRows permits HeapRows, SegmentRows {

    /** The rows of the matrix. */
    int rows();

    /** Whether blocks are staged: the caller must pass staging buffers of n x dim floats. */
    boolean staged();

    /**
     * The array holding rows [first, first + n): the matrix itself, or {@code staging} filled with them.
     *
     * @param staging n x dim floats or more when {@link #staged()}, else ignored. Modified.
     */
    float[] read(int first, int n, float[] staging);

    /** The index of row {@code first} in the array {@link #read} and {@link #writable} return. */
    int localRow(int first);

    /** The array to write rows [first, first + n) into: the matrix itself, or {@code staging}. */
    float[] writable(int first, int n, float[] staging);

    /** Publishes rows [first, first + n) written into {@link #writable}'s array (a copy when staged). */
    void written(int first, int n, float[] staging);

    /** A float[] matrix, used in place. */
    static MatrixRows of(float[] matrix, int dim) {
        return new HeapRows(matrix, dim);
    }

    /** The {@code rows} x {@code dim} floats of {@code segment} from byte {@code offset}, staged per block. */
    static MatrixRows of(MemorySegment segment, long offset, int rows, int dim) {
        return new SegmentRows(segment, offset, rows, dim);
    }
}
