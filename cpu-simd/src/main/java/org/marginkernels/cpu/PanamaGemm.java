package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM of a row-blocked A ({@link Packing#rowBlocks}) and packed B panels with the Vector API: register blocks
 * of MR rows x NR columns (two vectors), each element of C one chain of FMAs over k. A job template: one hidden copy
 * per species (see {@link PanamaJobs}).
 *
 * <p>Why A is packed: read in place, A's rows sit at a stride known only at run time, and C2 keeps one bounds check
 * per broadcast inside the loop; the checks (a compare and a branch each) and the stride arithmetic made the
 * loop issue-bound at 60-75% of the FMA peak on Zen 3 (measured). Packed, A[i][kk] is at a constant offset from
 * kk*MR, the checks move out of the loop, and the loop holds only the loads and the FMAs.
 */
final class PanamaGemm implements PanamaJobs.Gemm {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    private static final int NR = PanamaJobs.panelWidth(S);
    // register block: MR rows x 2 vectors. C2 schedules all the broadcasts of one k step ahead of their FMAs, so a
    // block needs 2 MR accumulators + 2 B vectors + MR broadcasts live at once: 4 rows (14) fit the 16 registers of
    // AVX2, 8 rows (26) the 32 of AVX-512 and AArch64. With 6 rows on AVX2 one accumulator was spilled and reloaded
    // every step (measured on one Zen 3 core: 42 GFLOP/s for 6 packed rows, 88-93 for 4, 66-87 for the 6 strided
    // rows this replaced). 8 accumulators already cover the FMA latency (4 cycles x 2 pipes); 8 rows halve the B
    // loads per FMA (0.625 loads per FMA against 0.75) where registers allow
    private static final int MR = PanamaSpecies.GEMM_ROW_BLOCK;

    PanamaGemm() {
    }

    @Override
    public int rowBlock() {
        return MR;
    }

    @Override
    public void gemm(float[] a, int aOff, float[] b, int bOff, int panels, int k, float[] c, int cOff, int cRow,
            int m, boolean accumulate) {
        // no vector tail, an exception to the tail policy: B is packed in whole NR-wide panels padded with zeros,
        // and A in whole MR-row blocks padded with zero rows, so blocks are whole and only the stores stop at m.
        // Panel outer within a chunk of rows: one packed B panel (k x NR) stays in L1/L2 while the chunk's row blocks
        // stream past it
        int chunk = rowChunk(k, panels);
        for (int i0 = 0; i0 < m; i0 += chunk) {
            int end = Math.min(m, i0 + chunk);
            for (int p = 0; p < panels; p++) {
                int bp = bOff + p * k * NR;
                int cp = cOff + p * NR;
                for (int i = i0; i < end; i += MR) {
                    if (MR == 8) {
                        block8(a, aOff + i * k, b, bp, k, c, cp + i * cRow, cRow, Math.min(MR, end - i), accumulate);
                    } else {
                        block4(a, aOff + i * k, b, bp, k, c, cp + i * cRow, cRow, Math.min(MR, end - i), accumulate);
                    }
                }
            }
        }
    }

    /**
     * Rows of A and C that one pass over the panels keeps in L2: A's rows (k floats each) stream past every B
     * panel, and C's rows (panels x NR floats) are written panel by panel, so both should stay in a 256 KB share of
     * L2 (Zen 3 has 512 KB a core). Without it, dX^ (256 rows of 512 floats) and its dL/dc block overflowed L2 and
     * streamed from L3 once per panel. A multiple of MR, at least MR; splitting rows changes no sum.
     */
    static int rowChunk(int k, int panels) {
        long rowBytes = 4L * (k + (long) panels * NR);
        return (int) Math.max(MR, (256L * 1024 / rowBytes) / MR * MR);
    }

    private static void block4(float[] a, int a0, float[] b, int b0, int k, float[] c, int c0, int cRow, int rows,
            boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int kk = 0; kk < k; kk++) {
            // indices linear in kk with constant strides: C2 checks the bounds once, before the loop
            int ai = a0 + kk * MR;
            int bi = b0 + kk * NR;
            FloatVector b0v = FloatVector.fromArray(S, b, bi);
            FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
            // acc = a.fma(b, acc): the other operand order makes C2 copy registers
            FloatVector av = FloatVector.broadcast(S, a[ai]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[ai + 1]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[ai + 2]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[ai + 3]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
        }
        store(c, c0, c00, c01, accumulate);
        if (rows > 1) {
            store(c, c0 + cRow, c10, c11, accumulate);
        }
        if (rows > 2) {
            store(c, c0 + 2 * cRow, c20, c21, accumulate);
        }
        if (rows > 3) {
            store(c, c0 + 3 * cRow, c30, c31, accumulate);
        }
    }

    private static void block8(float[] a, int a0, float[] b, int b0, int k, float[] c, int c0, int cRow, int rows,
            boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int kk = 0; kk < k; kk++) {
            int ai = a0 + kk * MR;
            int bi = b0 + kk * NR;
            FloatVector b0v = FloatVector.fromArray(S, b, bi);
            FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[ai]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[ai + 1]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[ai + 2]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[ai + 3]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(S, a[ai + 4]);
            c40 = av.fma(b0v, c40);
            c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(S, a[ai + 5]);
            c50 = av.fma(b0v, c50);
            c51 = av.fma(b1v, c51);
            av = FloatVector.broadcast(S, a[ai + 6]);
            c60 = av.fma(b0v, c60);
            c61 = av.fma(b1v, c61);
            av = FloatVector.broadcast(S, a[ai + 7]);
            c70 = av.fma(b0v, c70);
            c71 = av.fma(b1v, c71);
        }
        // stores written out: with 8 calls of store(...) C2 reached its inlining node budget (NodeCountInliningCutoff,
        // seen with -XX:+PrintInlining) and boxed the vectors of the calls it left out
        int o = c0;
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, o));
            c01 = c01.add(FloatVector.fromArray(S, c, o + L));
        }
        c00.intoArray(c, o);
        c01.intoArray(c, o + L);
        if (rows <= 1) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c10 = c10.add(FloatVector.fromArray(S, c, o));
            c11 = c11.add(FloatVector.fromArray(S, c, o + L));
        }
        c10.intoArray(c, o);
        c11.intoArray(c, o + L);
        if (rows <= 2) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c20 = c20.add(FloatVector.fromArray(S, c, o));
            c21 = c21.add(FloatVector.fromArray(S, c, o + L));
        }
        c20.intoArray(c, o);
        c21.intoArray(c, o + L);
        if (rows <= 3) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c30 = c30.add(FloatVector.fromArray(S, c, o));
            c31 = c31.add(FloatVector.fromArray(S, c, o + L));
        }
        c30.intoArray(c, o);
        c31.intoArray(c, o + L);
        if (rows <= 4) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c40 = c40.add(FloatVector.fromArray(S, c, o));
            c41 = c41.add(FloatVector.fromArray(S, c, o + L));
        }
        c40.intoArray(c, o);
        c41.intoArray(c, o + L);
        if (rows <= 5) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c50 = c50.add(FloatVector.fromArray(S, c, o));
            c51 = c51.add(FloatVector.fromArray(S, c, o + L));
        }
        c50.intoArray(c, o);
        c51.intoArray(c, o + L);
        if (rows <= 6) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c60 = c60.add(FloatVector.fromArray(S, c, o));
            c61 = c61.add(FloatVector.fromArray(S, c, o + L));
        }
        c60.intoArray(c, o);
        c61.intoArray(c, o + L);
        if (rows <= 7) {
            return;
        }
        o += cRow;
        if (accumulate) {
            c70 = c70.add(FloatVector.fromArray(S, c, o));
            c71 = c71.add(FloatVector.fromArray(S, c, o + L));
        }
        c70.intoArray(c, o);
        c71.intoArray(c, o + L);
    }

    private static void store(float[] c, int off, FloatVector v0, FloatVector v1, boolean accumulate) {
        if (accumulate) {
            v0 = v0.add(FloatVector.fromArray(S, c, off));
            v1 = v1.add(FloatVector.fromArray(S, c, off + L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }
}
