package org.marginkernels.cpu;

/**
 * Copies GEMM operands into the layouts of {@link CpuKernels#gemm}: panel p of the right operand B (k x n) holds its
 * columns [p*NR, p*NR + NR) row after row, so the micro-kernel reads B strictly sequentially; columns past n are
 * zero so every panel is whole. Block r of the left operand A (m x k) holds its rows [r*MR, r*MR + MR) column after
 * column, so the MR values one k step broadcasts are adjacent; rows past m are zero so every block is whole.
 */
final class Packing {

    private Packing() {
    }

    /** The number of NR-wide panels that cover n columns. */
    static int panels(int n, int nr) {
        return (n + nr - 1) / nr;
    }

    /** n rounded up to whole panels. */
    static int padded(int n, int nr) {
        return panels(n, nr) * nr;
    }

    /**
     * Packs the transpose of rows [row0, row0 + rows) of a row-major (. x dim) matrix, each scaled by
     * {@code rowScale}: B[kk][j] = m[(row0 + j) dim + kk] rowScale[scaleOff + j], k = dim, n = rows padded to
     * {@code columns} (a multiple of nr). The B operand of c = X^ W^T for one class tile.
     *
     * @param m the matrix. Not modified.
     * @param rowScale per-row factors. Not modified.
     * @param out receives columns/nr panels of dim x nr. Modified.
     */
    static void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff,
            int columns, int nr, float[] out) {
        int panels = columns / nr;
        for (int p = 0; p < panels; p++) {
            int base = p * dim * nr;
            // eight source rows at a time: eight sequential read streams, 32-byte runs of writes (a 4-wide panel,
            // from 64-bit vectors, takes the general path)
            for (int q = 0; q < nr; q += 8) {
                int j = p * nr + q;
                if (j + 8 <= rows && q + 8 <= nr) {
                    int s0 = (row0 + j) * dim;
                    float f0 = rowScale[scaleOff + j];
                    float f1 = rowScale[scaleOff + j + 1];
                    float f2 = rowScale[scaleOff + j + 2];
                    float f3 = rowScale[scaleOff + j + 3];
                    float f4 = rowScale[scaleOff + j + 4];
                    float f5 = rowScale[scaleOff + j + 5];
                    float f6 = rowScale[scaleOff + j + 6];
                    float f7 = rowScale[scaleOff + j + 7];
                    for (int kk = 0, dst = base + q; kk < dim; kk++, dst += nr) {
                        out[dst] = m[s0 + kk] * f0;
                        out[dst + 1] = m[s0 + dim + kk] * f1;
                        out[dst + 2] = m[s0 + 2 * dim + kk] * f2;
                        out[dst + 3] = m[s0 + 3 * dim + kk] * f3;
                        out[dst + 4] = m[s0 + 4 * dim + kk] * f4;
                        out[dst + 5] = m[s0 + 5 * dim + kk] * f5;
                        out[dst + 6] = m[s0 + 6 * dim + kk] * f6;
                        out[dst + 7] = m[s0 + 7 * dim + kk] * f7;
                    }
                } else {
                    for (int r = 0, last = Math.min(8, nr - q); r < last; r++) {
                        boolean valid = j + r < rows;
                        int src = (row0 + j + r) * dim;
                        float f = valid ? rowScale[scaleOff + j + r] : 0f;
                        for (int kk = 0, dst = base + q + r; kk < dim; kk++, dst += nr) {
                            out[dst] = valid ? m[src + kk] * f : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs rows [row0, row0 + rows) of a row-major matrix with row stride {@code stride}, each scaled by
     * {@code rowScale[row]} (or 1 when null): B[kk][d] = m[(row0 + kk) stride + d] rowScale[row0 + kk], k = rows,
     * n = dim padded to whole panels. The B operand of dX^ += dC W^ and of dW^ = dC^T X^.
     *
     * @param kernels scales the full panels of a row
     * @param m the matrix. Not modified.
     * @param rowScale per-row factors, or null. Not modified.
     * @param out receives panels(dim) panels of rows x nr. Modified.
     */
    static void packRows(CpuKernels kernels, float[] m, int stride, int dim, int row0, int rows, float[] rowScale,
            int nr, float[] out) {
        packRows(kernels, m, stride, dim, row0, rows, rowScale, row0, nr, out);
    }

    /**
     * As above with row row0 + kk scaled by rowScale[scaleRow0 + kk]: the rows may be a staged copy of a tile
     * (row0 = 0) whose scales sit at the tile's place in a whole-matrix array.
     */
    static void packRows(CpuKernels kernels, float[] m, int stride, int dim, int row0, int rows, float[] rowScale,
            int scaleRow0, int nr, float[] out) {
        int panels = panels(dim, nr);
        int full = dim / nr;
        // row outer: each source row is read once, sequentially, and scattered as whole-panel runs
        for (int kk = 0; kk < rows; kk++) {
            int src = (row0 + kk) * stride;
            float f = rowScale == null ? 1f : rowScale[scaleRow0 + kk];
            kernels.scalePanels(m, src, f, out, kk * nr, rows * nr, full);
            if (full < panels) {
                int dst = full * rows * nr + kk * nr;
                int width = dim - full * nr;
                for (int q = 0; q < width; q++) {
                    out[dst + q] = m[src + full * nr + q] * f;
                }
                for (int q = width; q < nr; q++) {
                    out[dst + q] = 0f;
                }
            }
        }
    }

    /** Floats of m rows of k in whole row blocks of mr rows: the size {@link #rowBlocks} writes. */
    static long rowBlockFloats(int m, int k, int mr) {
        return (long) ((m + mr - 1) / mr) * mr * k;
    }

    /**
     * Packs A (m x k), A[i][kk] at {@code a[aOff + i*aRow + kk*aK]}, in row blocks of mr rows (the kernels' {@link
     * CpuKernels#rowBlock}): A[i][kk] goes to {@code out[outOff + (i / MR)*MR*k + kk*MR + i % MR]}, and the rows that
     * fill the last block past m are zero. The left operand of every {@link CpuKernels#gemm}: the features for the
     * cosines (rows contiguous, aK = 1), a dL/dc block for dX^ (the same) and its transpose for dW^ (aRow = 1: one k
     * step reads MR adjacent floats).
     *
     * <p>The scalar definition; {@link CpuKernels#rowBlocks} is the one callers use (vectorized where it can be).
     *
     * @param mr the row block
     * @param a the matrix. Not modified.
     * @param out receives {@link #rowBlockFloats} floats from outOff. Modified.
     */
    static void rowBlocks(int mr, float[] a, int aOff, int aRow, int aK, int m, int k, float[] out, int outOff) {
        rowBlocks(mr, a, aOff, aRow, aK, 0, m, 0, k, m, k, out, outOff);
    }

    /**
     * The part of {@link #rowBlocks(int, float[], int, int, int, int, int, float[], int)} that covers rows
     * [i0, i1) (i0 a block start, i1 a block start or m) and k steps [k0, k1): what a vector packer leaves over.
     */
    static void rowBlocks(int mr, float[] a, int aOff, int aRow, int aK, int first, int last, int k0, int k1, int m,
            int k, float[] out, int outOff) {
        for (int i0 = first; i0 < last; i0 += mr) {
            int rows = Math.min(mr, m - i0);
            int block = outOff + i0 * k;
            if (aRow < aK) {
                // one k step at a time: its MR values are near each other (adjacent for dC^T)
                for (int kk = k0, src = aOff + i0 * aRow + k0 * aK, dst = block + k0 * mr; kk < k1;
                        kk++, src += aK, dst += mr) {
                    for (int r = 0; r < rows; r++) {
                        out[dst + r] = a[src + r * aRow];
                    }
                }
            } else {
                // one row at a time: a row-contiguous A is read sequentially
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (i0 + r) * aRow;
                    for (int kk = k0, dst = block + k0 * mr + r; kk < k1; kk++, dst += mr) {
                        out[dst] = a[src + kk * aK];
                    }
                }
            }
            for (int r = rows; r < mr; r++) {
                for (int kk = k0, dst = block + k0 * mr + r; kk < k1; kk++, dst += mr) {
                    out[dst] = 0f;
                }
            }
        }
    }
}
