package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The GEMM micro-kernels against an exact oracle. Every element of C is one chain of fused multiply-adds over k in
 * order, started from zero (then added once to C when accumulating), whatever register block or vector width
 * computed it; {@link Math#fma} on floats rounds exactly like a vector lane's FMA, so the scalar chain is the
 * expected result bit for bit. Row counts cover every block and tail combination (m up to 40, and 131 and 256 as
 * in a batch), both A layouts the fused pass packs from (rows contiguous, and columns contiguous for dC^T), A at a
 * row-block offset inside a larger packed array, and k from 1 to past the vector lengths. Rows of C past m, and
 * columns between C's rows, must keep their values: the zero rows that fill the last row block are never stored.
 */
class GemmProperties extends CpuTestSupport {

    @Property(tries = 300, seed = "20261130")
    void everyElementIsTheOrderedFmaChain(@ForAll @IntRange(min = 1, max = 40) int rows,
            @ForAll @IntRange(min = 1, max = 70) int k, @ForAll @IntRange(min = 1, max = 3) int panels,
            @ForAll boolean transposedA, @ForAll boolean accumulate, @ForAll @IntRange(min = 0, max = 3) int width,
            @ForAll @IntRange(min = 0, max = 2) int largeRows, @ForAll long seed) {
        int m = largeRows == 0 ? rows : largeRows == 1 ? 131 : 256;
        int preferredBits = kernels(0).panelWidth() / 2 * 32;
        int bits = 64 << width;
        CpuKernels kernels = kernels(width == 0 || bits > preferredBits ? 0 : bits);
        assertOrderedFmaChain(kernels, m, k, panels, transposedA, accumulate, seed);
    }

    /**
     * k long enough that the Vector API GEMM splits the rows into several L2 chunks ({@link PanamaGemm#rowChunk}:
     * 20 to 40 rows here), with a row-block tail inside the last chunk.
     */
    @Property(tries = 12, seed = "20261208")
    void rowChunksAndTheirTailsAreTheOrderedFmaChain(@ForAll @IntRange(min = 1500, max = 3000) int k,
            @ForAll @IntRange(min = 0, max = 2) int rowsCase, @ForAll @IntRange(min = 1, max = 2) int panels,
            @ForAll boolean transposedA, @ForAll boolean accumulate, @ForAll long seed) {
        int m = rowsCase == 0 ? 41 : rowsCase == 1 ? 131 : 300;
        assertOrderedFmaChain(kernels(0), m, k, panels, transposedA, accumulate, seed);
    }

    /**
     * The chunk is whole row blocks and keeps a chunk's A and C rows within 256 KB, or is one block: k from 1 to
     * 100 000 (1, 2, 4, ... and their neighbours) and 1 to 64 panels.
     */
    @Test
    void rowChunkIsWholeBlocksWithinItsBudget() {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "Vector API kernels only");
        int mr = PanamaSpecies.GEMM_ROW_BLOCK;
        int nr = PanamaJobs.panelWidth(PanamaSpecies.PREFERRED);
        for (int base = 1; base <= 100_000; base *= 2) {
            for (int k = Math.max(1, base - 1); k <= base + 1; k++) {
                for (int panels = 1; panels <= 64; panels++) {
                    int chunk = PanamaGemm.rowChunk(k, panels);
                    String at = "k=" + k + " panels=" + panels + " chunk=" + chunk;
                    assertEquals(0, chunk % mr, at);
                    assertTrue(chunk >= mr, at);
                    assertTrue(chunk == mr || 4L * chunk * (k + (long) panels * nr) <= 256 * 1024, at);
                }
            }
        }
    }

    private static void assertOrderedFmaChain(CpuKernels kernels, int m, int k, int panels, boolean transposedA,
            boolean accumulate, long seed) {
        int nr = kernels.panelWidth();
        SplittableRandom r = new SplittableRandom(seed);
        Strided sa = Strided.random(r, m, k, transposedA);
        float[] a = sa.a();
        int aOff = sa.off();
        int aRow = sa.row();
        int aK = sa.k();
        float[] b = random(r, panels * k * nr);
        int cRow = panels * nr + 5;
        int cOff = 7;
        float[] c = random(r, cOff + m * cRow);
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < panels * nr; j++) {
                int p = j / nr;
                int q = j % nr;
                float acc = 0f;
                for (int kk = 0; kk < k; kk++) {
                    acc = Math.fma(a[aOff + i * aRow + kk * aK], b[p * k * nr + kk * nr + q], acc);
                }
                int at = cOff + i * cRow + j;
                expected[at] = accumulate ? expected[at] + acc : acc;
            }
        }
        // A packed after one block of other values, so aOff is a block start that is not 0
        int mr = kernels.rowBlock();
        int blockOff = mr * k;
        float[] packed = random(r, blockOff + (int) Packing.rowBlockFloats(m, k, mr) + 3);
        kernels.rowBlocks(a, aOff, aRow, aK, m, k, packed, blockOff);
        kernels.gemm(packed, blockOff, b, 0, panels, k, c, cOff, cRow, m, accumulate);
        for (int e = 0; e < c.length; e++) {
            int at = e;
            assertEquals(Float.floatToIntBits(expected[e]), Float.floatToIntBits(c[e]),
                    () -> kernels.description() + " m=" + m + " k=" + k + " element " + at + ": expected "
                            + expected[at] + ", got " + c[at]);
        }
    }

    /**
     * The row-block layout element by element, with the rows past m zero and nothing written outside it: the scalar
     * definition and the vector packers (whole MR x L blocks interleaved in registers, then the k tail and the short
     * last block by index) at every vector width this CPU runs.
     */
    @Property(tries = 300, seed = "20261207")
    void rowBlocksPlaceEveryElement(@ForAll @IntRange(min = 1, max = 23) int m,
            @ForAll @IntRange(min = 1, max = 41) int k, @ForAll boolean transposedA, @ForAll boolean scalar,
            @ForAll @IntRange(min = 0, max = 3) int width, @ForAll long seed) {
        int preferredBits = kernels(0).panelWidth() / 2 * 32;
        // 64 bits (2 lanes) up to the preferred width; past it, the preferred
        int bits = 64 << width;
        CpuKernels kernels = scalar ? new ScalarKernels() : kernels(bits > preferredBits ? 0 : bits);
        int mr = kernels.rowBlock();
        SplittableRandom r = new SplittableRandom(seed);
        Strided sa = Strided.random(r, m, k, transposedA);
        int outOff = 5;
        int size = (int) Packing.rowBlockFloats(m, k, mr);
        assertEquals((m + mr - 1) / mr * mr * k, size);
        float[] out = random(r, outOff + size + 4);
        float[] before = out.clone();
        kernels.rowBlocks(sa.a(), sa.off(), sa.row(), sa.k(), m, k, out, outOff);
        int blocks = (m + mr - 1) / mr;
        for (int i = 0; i < blocks * mr; i++) {
            for (int kk = 0; kk < k; kk++) {
                float expected = i < m ? sa.a()[sa.off() + i * sa.row() + kk * sa.k()] : 0f;
                int at = outOff + (i / mr) * mr * k + kk * mr + i % mr;
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[at]), "A[" + i + "][" + kk
                        + "] at " + at);
            }
        }
        for (int e = 0; e < outOff; e++) {
            assertEquals(before[e], out[e], "before the blocks, element " + e);
        }
        for (int e = outOff + size; e < out.length; e++) {
            assertEquals(before[e], out[e], "after the blocks, element " + e);
        }
    }

    /**
     * A (m x k) inside a larger array at an offset, A[i][kk] at a[off + i*row + kk*k]: rows contiguous (with a gap
     * between rows), or columns contiguous as for dC^T.
     */
    private record Strided(float[] a, int off, int row, int k) {

        static Strided random(SplittableRandom r, int m, int k, boolean transposed) {
            int off = 3;
            int row = transposed ? 1 : k + 2;
            int kStride = transposed ? m + 1 : 1;
            return new Strided(GemmProperties.random(r, off + (m - 1) * row + (k - 1) * kStride + 1), off, row,
                    kStride);
        }
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }
}
