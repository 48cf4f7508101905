package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs GEMM operands with the Vector API: the transpose of weight rows into B panels (L x L blocks transposed in
 * registers) and A into row blocks (MR x L blocks interleaved in registers, or MR adjacent floats copied as vectors).
 * A job template: one hidden copy per species (see {@link PanamaJobs}).
 */
final class PanamaTranspose implements PanamaJobs.Transpose {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    private static final int NR = PanamaJobs.panelWidth(S);
    // index vectors of the perfect shuffle of the transpose (two-vector selectFrom): the low and the high halves
    // of two rows, lane by lane
    private static final FloatVector ILO = interleave(false);
    private static final FloatVector IHI = interleave(true);
    private static final int MR = PanamaSpecies.GEMM_ROW_BLOCK;
    // the vectors that copy one k step of a row block whose MR values are adjacent: MR lanes, or L where L < MR
    private static final VectorSpecies<Float> STEP = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Float.SIZE * Math.min(MR, L)));

    PanamaTranspose() {
    }

    /**
     * Lane indexes of one perfect-shuffle step: lane l takes lane L/2 (high) or 0 (low) + l/2 of the first row for
     * even l and of the second row for odd l. Indexes L and up select from the second vector.
     */
    private static FloatVector interleave(boolean high) {
        float[] index = new float[L];
        for (int l = 0; l < L; l++) {
            index[l] = (high ? L / 2 : 0) + l / 2 + (l % 2 == 1 ? L : 0);
        }
        return FloatVector.fromArray(S, index, 0);
    }

    @Override
    public void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff,
            int columns, float[] out) {
        // the transpose keeps L rows in registers, written for up to 16 lanes (512-bit floats)
        if (L > 16) {
            Packing.packRowsTransposed(m, dim, row0, rows, rowScale, scaleOff, columns, NR, out);
            return;
        }
        int body = dim - dim % L;
        for (int p = 0; p < columns / NR; p++) {
            for (int q = 0; q < NR; q += L) {
                int j = p * NR + q;
                int valid = Math.max(0, Math.min(L, rows - j));
                // lanes of missing rows scale by zero, so a partial panel's padding is zero
                FloatVector f = FloatVector.fromArray(S, rowScale, scaleOff + j, S.indexInRange(0, valid));
                transposeRows(m, (row0 + j) * dim, dim, valid, body, f, out, p * dim * NR + q);
            }
        }
        // scalar tail, an exception to the tail policy: the transpose moves whole L x L blocks of registers, so the
        // last dim % L columns are copied by index
        for (int p = 0; p < columns / NR; p++) {
            for (int q = 0; q < NR; q++) {
                int j = p * NR + q;
                for (int kk = body; kk < dim; kk++) {
                    out[p * dim * NR + kk * NR + q] = j < rows ? m[(row0 + j) * dim + kk] * rowScale[scaleOff + j]
                            : 0f;
                }
            }
        }
    }

    /**
     * L rows of m (from {@code src}, stride dim; rows from {@code valid} on read as zero), columns [0, body), into
     * out transposed and scaled by f: out[dst + kk*NR + r] = m[src + r*dim + kk] f[r]. L x L blocks, each loaded as
     * L row vectors and transposed in registers by log2(L) rounds of the perfect shuffle: every round interleaves
     * row i with row i + L/2 into rows 2i and 2i + 1, and after the last round row q holds column q. The rounds are
     * identical, so two index vectors serve them all and stay in registers next to the 16 rows (per-round index
     * pairs spilled rows to the stack: this is 1.3x faster on Zen 5).
     */
    private static void transposeRows(float[] m, int src, int dim, int valid, int body, FloatVector f, float[] out,
            int dst) {
        FloatVector zero = FloatVector.zero(S);
        for (int kk = 0; kk < body; kk += L) {
            FloatVector r0 = valid > 0 ? FloatVector.fromArray(S, m, src + 0 * dim + kk) : zero;
            FloatVector r1 = L > 1 && valid > 1 ? FloatVector.fromArray(S, m, src + 1 * dim + kk) : zero;
            FloatVector r2 = L > 2 && valid > 2 ? FloatVector.fromArray(S, m, src + 2 * dim + kk) : zero;
            FloatVector r3 = L > 3 && valid > 3 ? FloatVector.fromArray(S, m, src + 3 * dim + kk) : zero;
            FloatVector r4 = L > 4 && valid > 4 ? FloatVector.fromArray(S, m, src + 4 * dim + kk) : zero;
            FloatVector r5 = L > 5 && valid > 5 ? FloatVector.fromArray(S, m, src + 5 * dim + kk) : zero;
            FloatVector r6 = L > 6 && valid > 6 ? FloatVector.fromArray(S, m, src + 6 * dim + kk) : zero;
            FloatVector r7 = L > 7 && valid > 7 ? FloatVector.fromArray(S, m, src + 7 * dim + kk) : zero;
            FloatVector r8 = L > 8 && valid > 8 ? FloatVector.fromArray(S, m, src + 8 * dim + kk) : zero;
            FloatVector r9 = L > 9 && valid > 9 ? FloatVector.fromArray(S, m, src + 9 * dim + kk) : zero;
            FloatVector r10 = L > 10 && valid > 10 ? FloatVector.fromArray(S, m, src + 10 * dim + kk) : zero;
            FloatVector r11 = L > 11 && valid > 11 ? FloatVector.fromArray(S, m, src + 11 * dim + kk) : zero;
            FloatVector r12 = L > 12 && valid > 12 ? FloatVector.fromArray(S, m, src + 12 * dim + kk) : zero;
            FloatVector r13 = L > 13 && valid > 13 ? FloatVector.fromArray(S, m, src + 13 * dim + kk) : zero;
            FloatVector r14 = L > 14 && valid > 14 ? FloatVector.fromArray(S, m, src + 14 * dim + kk) : zero;
            FloatVector r15 = L > 15 && valid > 15 ? FloatVector.fromArray(S, m, src + 15 * dim + kk) : zero;
            for (int round = 1; round < L; round <<= 1) {
                // row i (i < L/2) interleaves with its partner, row i + L/2; h0-h3 pick the partners of rows 0-3 for
                // the lane count (rows 4-7 have partners only at L = 16), and rows past L stay zero
                FloatVector h0 = L == 16 ? r8 : L == 8 ? r4 : L == 4 ? r2 : r1;
                FloatVector h1 = L == 16 ? r9 : L == 8 ? r5 : r3;
                FloatVector h2 = L == 16 ? r10 : r6;
                FloatVector h3 = L == 16 ? r11 : r7;
                FloatVector t0 = ILO.selectFrom(r0, h0);
                FloatVector t1 = IHI.selectFrom(r0, h0);
                FloatVector t2 = L > 2 ? ILO.selectFrom(r1, h1) : zero;
                FloatVector t3 = L > 2 ? IHI.selectFrom(r1, h1) : zero;
                FloatVector t4 = L > 4 ? ILO.selectFrom(r2, h2) : zero;
                FloatVector t5 = L > 4 ? IHI.selectFrom(r2, h2) : zero;
                FloatVector t6 = L > 4 ? ILO.selectFrom(r3, h3) : zero;
                FloatVector t7 = L > 4 ? IHI.selectFrom(r3, h3) : zero;
                FloatVector t8 = L > 8 ? ILO.selectFrom(r4, r12) : zero;
                FloatVector t9 = L > 8 ? IHI.selectFrom(r4, r12) : zero;
                FloatVector t10 = L > 8 ? ILO.selectFrom(r5, r13) : zero;
                FloatVector t11 = L > 8 ? IHI.selectFrom(r5, r13) : zero;
                FloatVector t12 = L > 8 ? ILO.selectFrom(r6, r14) : zero;
                FloatVector t13 = L > 8 ? IHI.selectFrom(r6, r14) : zero;
                FloatVector t14 = L > 8 ? ILO.selectFrom(r7, r15) : zero;
                FloatVector t15 = L > 8 ? IHI.selectFrom(r7, r15) : zero;
                r0 = t0;
                r1 = t1;
                r2 = t2;
                r3 = t3;
                r4 = t4;
                r5 = t5;
                r6 = t6;
                r7 = t7;
                r8 = t8;
                r9 = t9;
                r10 = t10;
                r11 = t11;
                r12 = t12;
                r13 = t13;
                r14 = t14;
                r15 = t15;
            }
            r0.mul(f).intoArray(out, dst + kk * NR);
            if (L > 1) {
                r1.mul(f).intoArray(out, dst + (kk + 1) * NR);
            }
            if (L > 2) {
                r2.mul(f).intoArray(out, dst + (kk + 2) * NR);
            }
            if (L > 3) {
                r3.mul(f).intoArray(out, dst + (kk + 3) * NR);
            }
            if (L > 4) {
                r4.mul(f).intoArray(out, dst + (kk + 4) * NR);
            }
            if (L > 5) {
                r5.mul(f).intoArray(out, dst + (kk + 5) * NR);
            }
            if (L > 6) {
                r6.mul(f).intoArray(out, dst + (kk + 6) * NR);
            }
            if (L > 7) {
                r7.mul(f).intoArray(out, dst + (kk + 7) * NR);
            }
            if (L > 8) {
                r8.mul(f).intoArray(out, dst + (kk + 8) * NR);
            }
            if (L > 9) {
                r9.mul(f).intoArray(out, dst + (kk + 9) * NR);
            }
            if (L > 10) {
                r10.mul(f).intoArray(out, dst + (kk + 10) * NR);
            }
            if (L > 11) {
                r11.mul(f).intoArray(out, dst + (kk + 11) * NR);
            }
            if (L > 12) {
                r12.mul(f).intoArray(out, dst + (kk + 12) * NR);
            }
            if (L > 13) {
                r13.mul(f).intoArray(out, dst + (kk + 13) * NR);
            }
            if (L > 14) {
                r14.mul(f).intoArray(out, dst + (kk + 14) * NR);
            }
            if (L > 15) {
                r15.mul(f).intoArray(out, dst + (kk + 15) * NR);
            }
        }
    }

    @Override
    public void rowBlocks(float[] a, int aOff, int aRow, int aK, int m, int k, float[] out, int outOff) {
        // the interleave keeps MR rows in registers, written for the 4 and 8 rows CpuKernelsChoice allows
        if (aK == 1) {
            int body = k - k % L;
            for (int i0 = 0; i0 < m; i0 += MR) {
                interleaveRows(a, aOff + i0 * aRow, aRow, Math.min(MR, m - i0), body, out, outOff + i0 * k);
            }
            // scalar tail, an exception to the tail policy: the interleave moves whole MR x L blocks of registers,
            // so the last k % L steps are copied by index
            Packing.rowBlocks(MR, a, aOff, aRow, aK, 0, m, body, k, m, k, out, outOff);
        } else if (aRow == 1) {
            int whole = m - m % MR;
            for (int i0 = 0; i0 < whole; i0 += MR) {
                copySteps(a, aOff + i0, aK, k, out, outOff + i0 * k);
            }
            // the last block, short of MR rows, has zero rows to fill: by index
            Packing.rowBlocks(MR, a, aOff, aRow, aK, whole, m, 0, k, m, k, out, outOff);
        } else {
            Packing.rowBlocks(MR, a, aOff, aRow, aK, m, k, out, outOff);
        }
    }

    /**
     * MR rows of a row-contiguous A (from {@code src}, stride aRow; rows from {@code valid} on read as zero), k
     * steps [0, body), into one row block: out[dst + kk*MR + r] = a[src + r*aRow + kk]. Each MR x L block is loaded
     * as MR row vectors and interleaved by log2(MR) rounds of the perfect shuffle (row i with row i + MR/2 into rows
     * 2i and 2i + 1). A round rotates the bits of an element's place (row, lane) left by one, so after log2(MR)
     * rounds the place is (lane, row): the MR vectors, stored one after the other, are the block's k steps in order.
     */
    private static void interleaveRows(float[] a, int src, int aRow, int valid, int body, float[] out, int dst) {
        FloatVector zero = FloatVector.zero(S);
        for (int kk = 0; kk < body; kk += L) {
            FloatVector r0 = FloatVector.fromArray(S, a, src + kk);
            FloatVector r1 = valid > 1 ? FloatVector.fromArray(S, a, src + aRow + kk) : zero;
            FloatVector r2 = valid > 2 ? FloatVector.fromArray(S, a, src + 2 * aRow + kk) : zero;
            FloatVector r3 = valid > 3 ? FloatVector.fromArray(S, a, src + 3 * aRow + kk) : zero;
            FloatVector r4 = MR > 4 && valid > 4 ? FloatVector.fromArray(S, a, src + 4 * aRow + kk) : zero;
            FloatVector r5 = MR > 5 && valid > 5 ? FloatVector.fromArray(S, a, src + 5 * aRow + kk) : zero;
            FloatVector r6 = MR > 6 && valid > 6 ? FloatVector.fromArray(S, a, src + 6 * aRow + kk) : zero;
            FloatVector r7 = MR > 7 && valid > 7 ? FloatVector.fromArray(S, a, src + 7 * aRow + kk) : zero;
            for (int round = 1; round < MR; round <<= 1) {
                FloatVector h0 = MR == 8 ? r4 : r2;
                FloatVector h1 = MR == 8 ? r5 : r3;
                FloatVector t0 = ILO.selectFrom(r0, h0);
                FloatVector t1 = IHI.selectFrom(r0, h0);
                FloatVector t2 = ILO.selectFrom(r1, h1);
                FloatVector t3 = IHI.selectFrom(r1, h1);
                FloatVector t4 = MR == 8 ? ILO.selectFrom(r2, r6) : zero;
                FloatVector t5 = MR == 8 ? IHI.selectFrom(r2, r6) : zero;
                FloatVector t6 = MR == 8 ? ILO.selectFrom(r3, r7) : zero;
                FloatVector t7 = MR == 8 ? IHI.selectFrom(r3, r7) : zero;
                r0 = t0;
                r1 = t1;
                r2 = t2;
                r3 = t3;
                r4 = t4;
                r5 = t5;
                r6 = t6;
                r7 = t7;
            }
            int at = dst + kk * MR;
            r0.intoArray(out, at);
            r1.intoArray(out, at + L);
            r2.intoArray(out, at + 2 * L);
            r3.intoArray(out, at + 3 * L);
            if (MR == 8) {
                r4.intoArray(out, at + 4 * L);
                r5.intoArray(out, at + 5 * L);
                r6.intoArray(out, at + 6 * L);
                r7.intoArray(out, at + 7 * L);
            }
        }
    }

    /** One whole row block whose k step is MR adjacent floats (from src, steps aK apart), copied as vectors. */
    private static void copySteps(float[] a, int src, int aK, int k, float[] out, int dst) {
        for (int kk = 0; kk < k; kk++, src += aK, dst += MR) {
            for (int q = 0; q < MR; q += STEP.length()) {
                FloatVector.fromArray(STEP, a, src + q).intoArray(out, dst + q);
            }
        }
    }
}
