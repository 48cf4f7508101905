package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The GEMM micro-kernels against an exact oracle. Every element of C is one chain of fused multiply-adds over k in
 * order, started from zero (then added once to C when accumulating), whatever register block (12, 6, 4 or 1 rows)
 * or vector width computed it; {@link Math#fma} on floats rounds exactly like a vector lane's FMA, so the scalar
 * chain is the expected result bit for bit. Row counts cover every block and tail combination (m up to 40, and
 * 131 and 256 as in a batch), both A layouts the fused pass uses (rows contiguous, and columns contiguous for
 * dC^T), and k from 1 to past the vector lengths.
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
        int nr = kernels.panelWidth();
        SplittableRandom r = new SplittableRandom(seed);
        // A (m x k) inside a larger array at an offset, in either layout
        int aOff = 3;
        int aRow = transposedA ? 1 : k + 2;
        int aK = transposedA ? m + 1 : 1;
        float[] a = random(r, aOff + (m - 1) * aRow + (k - 1) * aK + 1);
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
        kernels.gemm(a, aOff, aRow, aK, b, 0, panels, k, c, cOff, cRow, m, accumulate);
        for (int e = 0; e < c.length; e++) {
            int at = e;
            assertEquals(Float.floatToIntBits(expected[e]), Float.floatToIntBits(c[e]),
                    () -> kernels.description() + " m=" + m + " k=" + k + " element " + at + ": expected "
                            + expected[at] + ", got " + c[at]);
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
