package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.RowCheck;

/**
 * The Vector API micro-kernels, written once against the species {@link #S}. This class is a template:
 * {@link PanamaSpecies} loads one hidden-class copy per species with that species as class data, so in each copy
 * {@code S} is a {@code static final} constant that C2 folds into straight vector code. Never instantiate the class
 * itself; it must stay free of nested classes and lambdas, which would not be copied.
 */
final class PanamaKernels implements CpuKernels {

    // a constant to the JIT because it is static final in each hidden copy
    static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    static final int L = S.length();
    // doubles of the same shape (L/2 lanes): sumLanes widens a float vector into two of them
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    private static final VectorShuffle<Double> FOLD16 = fold(16);
    private static final VectorShuffle<Double> FOLD8 = fold(8);
    private static final VectorShuffle<Double> FOLD4 = fold(4);
    private static final VectorShuffle<Double> FOLD2 = fold(2);
    private static final VectorShuffle<Double> FOLD1 = fold(1);
    // register block of the GEMM: MR rows x 2 vectors. With 32 vector registers (AVX-512, AArch64) 12 rows:
    // 24 accumulators + 2 B vectors + 1 broadcast, which halves the loads per FMA of the 6-row block that 16
    // registers (AVX2) allow: measured 205-213 against 150-158 GFLOP/s on one Zen 5 core at D = 512
    static final int NR = 2 * L;
    static final int MR = PanamaSpecies.WIDE_REGISTER_FILE ? 12 : 6;
    // row sums reduce to double at least this often, so float error does not grow with the class count
    private static final int DOUBLE_BLOCK = 512;
    // dot products reduce to double at least this often (a multiple of every 4 L): rows up to this long, every
    // embedding in practice, are one float body
    private static final int DOT_BLOCK = 4096;
    // exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 in two parts (Cody-Waite)
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    private static final float ROUNDER = 12582912f;
    // -126 ln 2: from here up 2^n is a normal float (n >= -126); below, the result (< 2^-126) is flushed to zero
    private static final float EXP_MIN = -87.33654f;

    // index vectors of the perfect shuffle of the transpose (two-vector selectFrom): the low and the high halves
    // of two rows, lane by lane
    private static final FloatVector ILO = interleave(false);
    private static final FloatVector IHI = interleave(true);

    PanamaKernels() {
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
    public String description() {
        return "panama " + S.vectorBitSize() + "-bit";
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public double sumOfSquares(float[] a, int off, int n) {
        double sum = dot(a, off, a, off, n);
        // the float partial sums overflow once |a_k| passes about 1.8e19, and squares below 2^-126 lose digits as
        // subnormals, which matters once the sum is below about 2^-90 (at most 2^31 squares, each off by
        // 2^-149): squares of floats are exact in double, so such rows are summed again there
        return sum >= 0x1p-90 && sum < Double.POSITIVE_INFINITY ? sum : RowCheck.sumOfSquares(a, off, n);
    }

    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        double sum = 0;
        // guard for short input
        if (n >= L) {
            int bound = S.loopBound(n);
            // one float body per DOT_BLOCK elements, reduced to double: the relative error of a float sum of
            // positive terms grows with their count (it stalls at 2^24 terms per lane), a block's stays below 2^-15
            for (; i < bound; i += DOT_BLOCK) {
                sum += dotBody(a, aOff + i, b, bOff + i, Math.min(DOT_BLOCK, bound - i));
            }
            i = bound;
        }
        // scalar tail
        for (; i < n; i++) {
            sum += (double) a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    private static double dotBody(float[] a, int aOff, float[] b, int bOff, int limit) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        FloatVector acc2 = FloatVector.zero(S);
        FloatVector acc3 = FloatVector.zero(S);
        int i = 0;
        // four accumulators hide the FMA latency
        int unrolled = limit - limit % (4 * L);
        for (; i < unrolled; i += 4 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
            acc2 = FloatVector.fromArray(S, a, aOff + i + 2 * L)
                    .fma(FloatVector.fromArray(S, b, bOff + i + 2 * L), acc2);
            acc3 = FloatVector.fromArray(S, a, aOff + i + 3 * L)
                    .fma(FloatVector.fromArray(S, b, bOff + i + 3 * L), acc3);
        }
        // vector tail
        for (; i < limit; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        // reduce
        return sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
    }

    @Override
    public void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, src, srcOff + i).mul(factor).intoArray(dst, dstOff + i);
        }
        // scalar tail
        for (; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i] * factor;
        }
    }

    @Override
    public void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride,
            int panels) {
        FloatVector f = FloatVector.broadcast(S, factor);
        for (int p = 0; p < panels; p++) {
            int from = srcOff + p * NR;
            int to = dstOff + p * panelStride;
            FloatVector.fromArray(S, src, from).mul(f).intoArray(dst, to);
            FloatVector.fromArray(S, src, from + L).mul(f).intoArray(dst, to + L);
        }
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
        // scalar tail: the last dim % L columns
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
    public void removeAlong(float[] g, int gOff, float[] x, int xOff, double along, double inverseNorm, float[] out,
            int outOff, int n) {
        float hi = (float) along;
        float lo = (float) (along - hi);
        FloatVector negHi = FloatVector.broadcast(S, -hi);
        FloatVector negLo = FloatVector.broadcast(S, -lo);
        FloatVector inv = FloatVector.broadcast(S, (float) inverseNorm);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            FloatVector r = negHi.fma(xv, FloatVector.fromArray(S, g, gOff + i));
            negLo.fma(xv, r).mul(inv).intoArray(out, outOff + i);
        }
        // vector tail, masked once: a mask in the loop body leaves its range check out of line on every pass
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i, m);
            FloatVector r = negHi.fma(xv, FloatVector.fromArray(S, g, gOff + i, m));
            negLo.fma(xv, r).mul(inv).intoArray(out, outOff + i, m);
        }
    }

    @Override
    public float max(float[] a, int off, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        FloatVector acc0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector acc1 = acc0;
        FloatVector acc2 = acc0;
        FloatVector acc3 = acc0;
        // four accumulators: Java's max (NaN and -0.0 rules) is several dependent instructions per step
        int unrolled = bound - bound % (4 * L);
        for (; i < unrolled; i += 4 * L) {
            acc0 = acc0.max(FloatVector.fromArray(S, a, off + i));
            acc1 = acc1.max(FloatVector.fromArray(S, a, off + i + L));
            acc2 = acc2.max(FloatVector.fromArray(S, a, off + i + 2 * L));
            acc3 = acc3.max(FloatVector.fromArray(S, a, off + i + 3 * L));
        }
        // vector tail
        for (; i < bound; i += L) {
            acc0 = acc0.max(FloatVector.fromArray(S, a, off + i));
        }
        // reduce: max is exact, so the order does not matter
        float max = acc0.max(acc1).max(acc2.max(acc3)).reduceLanes(VectorOperators.MAX);
        // scalar tail
        for (; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        return max;
    }

    @Override
    public void gemm(float[] a, int aOff, int aRow, int aK, float[] b, int bOff, int panels, int k, float[] c,
            int cOff, int cRow, int m, boolean accumulate) {
        // panel outer: one packed B panel (k x NR) stays in L2 while every row block streams past it
        for (int p = 0; p < panels; p++) {
            int bp = bOff + p * k * NR;
            int cp = cOff + p * NR;
            int i = 0;
            if (MR == 12) {
                for (; i + 12 <= m; i += 12) {
                    block12(a, aOff + i * aRow, aRow, aK, b, bp, k, c, cp + i * cRow, cRow, accumulate);
                }
            }
            for (; i + 6 <= m; i += 6) {
                block6(a, aOff + i * aRow, aRow, aK, b, bp, k, c, cp + i * cRow, cRow, accumulate);
            }
            // 256 = 21 x 12 + 4 = 42 x 6 + 4: without it those rows would run block1, whose two FMA chains wait
            // on latency
            if (i + 4 <= m) {
                block4(a, aOff + i * aRow, aRow, aK, b, bp, k, c, cp + i * cRow, cRow, accumulate);
                i += 4;
            }
            // row tail
            for (; i < m; i++) {
                block1(a, aOff + i * aRow, aK, b, bp, k, c, cp + i * cRow, accumulate);
            }
        }
    }

    private static void block12(float[] a, int a0, int aRow, int aK, float[] b, int b0, int k, float[] c, int c0,
            int cRow, boolean accumulate) {
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
        FloatVector c80 = c00;
        FloatVector c81 = c00;
        FloatVector c90 = c00;
        FloatVector c91 = c00;
        FloatVector ca0 = c00;
        FloatVector ca1 = c00;
        FloatVector cb0 = c00;
        FloatVector cb1 = c00;
        // row r of the block is read at ai + rr, ai = a0 + kk*aK walking kk, rr = r*aRow
        int r1 = aRow;
        int r2 = 2 * aRow;
        int r3 = 3 * aRow;
        int r4 = 4 * aRow;
        int r5 = 5 * aRow;
        int r6 = 6 * aRow;
        int r7 = 7 * aRow;
        int r8 = 8 * aRow;
        int r9 = 9 * aRow;
        int r10 = 10 * aRow;
        int r11 = 11 * aRow;
        int ai = a0;
        int bi = b0;
        for (int kk = 0; kk < k; kk++, bi += NR, ai += aK) {
            FloatVector b0v = FloatVector.fromArray(S, b, bi);
            FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[ai]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[ai + r1]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[ai + r2]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[ai + r3]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(S, a[ai + r4]);
            c40 = av.fma(b0v, c40);
            c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(S, a[ai + r5]);
            c50 = av.fma(b0v, c50);
            c51 = av.fma(b1v, c51);
            av = FloatVector.broadcast(S, a[ai + r6]);
            c60 = av.fma(b0v, c60);
            c61 = av.fma(b1v, c61);
            av = FloatVector.broadcast(S, a[ai + r7]);
            c70 = av.fma(b0v, c70);
            c71 = av.fma(b1v, c71);
            av = FloatVector.broadcast(S, a[ai + r8]);
            c80 = av.fma(b0v, c80);
            c81 = av.fma(b1v, c81);
            av = FloatVector.broadcast(S, a[ai + r9]);
            c90 = av.fma(b0v, c90);
            c91 = av.fma(b1v, c91);
            av = FloatVector.broadcast(S, a[ai + r10]);
            ca0 = av.fma(b0v, ca0);
            ca1 = av.fma(b1v, ca1);
            av = FloatVector.broadcast(S, a[ai + r11]);
            cb0 = av.fma(b0v, cb0);
            cb1 = av.fma(b1v, cb1);
        }
        // stores written out: a helper taking vectors exceeds C2's inlining node budget here and boxes them
        int o = c0;
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, o));
            c01 = c01.add(FloatVector.fromArray(S, c, o + L));
            c10 = c10.add(FloatVector.fromArray(S, c, o + cRow));
            c11 = c11.add(FloatVector.fromArray(S, c, o + cRow + L));
            c20 = c20.add(FloatVector.fromArray(S, c, o + 2 * cRow));
            c21 = c21.add(FloatVector.fromArray(S, c, o + 2 * cRow + L));
            c30 = c30.add(FloatVector.fromArray(S, c, o + 3 * cRow));
            c31 = c31.add(FloatVector.fromArray(S, c, o + 3 * cRow + L));
            c40 = c40.add(FloatVector.fromArray(S, c, o + 4 * cRow));
            c41 = c41.add(FloatVector.fromArray(S, c, o + 4 * cRow + L));
            c50 = c50.add(FloatVector.fromArray(S, c, o + 5 * cRow));
            c51 = c51.add(FloatVector.fromArray(S, c, o + 5 * cRow + L));
            c60 = c60.add(FloatVector.fromArray(S, c, o + 6 * cRow));
            c61 = c61.add(FloatVector.fromArray(S, c, o + 6 * cRow + L));
            c70 = c70.add(FloatVector.fromArray(S, c, o + 7 * cRow));
            c71 = c71.add(FloatVector.fromArray(S, c, o + 7 * cRow + L));
            c80 = c80.add(FloatVector.fromArray(S, c, o + 8 * cRow));
            c81 = c81.add(FloatVector.fromArray(S, c, o + 8 * cRow + L));
            c90 = c90.add(FloatVector.fromArray(S, c, o + 9 * cRow));
            c91 = c91.add(FloatVector.fromArray(S, c, o + 9 * cRow + L));
            ca0 = ca0.add(FloatVector.fromArray(S, c, o + 10 * cRow));
            ca1 = ca1.add(FloatVector.fromArray(S, c, o + 10 * cRow + L));
            cb0 = cb0.add(FloatVector.fromArray(S, c, o + 11 * cRow));
            cb1 = cb1.add(FloatVector.fromArray(S, c, o + 11 * cRow + L));
        }
        c00.intoArray(c, o);
        c01.intoArray(c, o + L);
        o += cRow;
        c10.intoArray(c, o);
        c11.intoArray(c, o + L);
        o += cRow;
        c20.intoArray(c, o);
        c21.intoArray(c, o + L);
        o += cRow;
        c30.intoArray(c, o);
        c31.intoArray(c, o + L);
        o += cRow;
        c40.intoArray(c, o);
        c41.intoArray(c, o + L);
        o += cRow;
        c50.intoArray(c, o);
        c51.intoArray(c, o + L);
        o += cRow;
        c60.intoArray(c, o);
        c61.intoArray(c, o + L);
        o += cRow;
        c70.intoArray(c, o);
        c71.intoArray(c, o + L);
        o += cRow;
        c80.intoArray(c, o);
        c81.intoArray(c, o + L);
        o += cRow;
        c90.intoArray(c, o);
        c91.intoArray(c, o + L);
        o += cRow;
        ca0.intoArray(c, o);
        ca1.intoArray(c, o + L);
        o += cRow;
        cb0.intoArray(c, o);
        cb1.intoArray(c, o + L);
    }

    private static void block4(float[] a, int a0, int aRow, int aK, float[] b, int b0, int k, float[] c, int c0,
            int cRow, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int r1 = a0 + aRow;
        int r2 = r1 + aRow;
        int r3 = r2 + aRow;
        int bi = b0;
        int ak = 0;
        for (int kk = 0; kk < k; kk++, bi += NR, ak += aK) {
            FloatVector b0v = FloatVector.fromArray(S, b, bi);
            FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
            FloatVector av = FloatVector.broadcast(S, a[a0 + ak]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[r1 + ak]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[r2 + ak]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[r3 + ak]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
        }
        store(c, c0, c00, c01, accumulate);
        store(c, c0 + cRow, c10, c11, accumulate);
        store(c, c0 + 2 * cRow, c20, c21, accumulate);
        store(c, c0 + 3 * cRow, c30, c31, accumulate);
    }

    private static void block6(float[] a, int a0, int aRow, int aK, float[] b, int b0, int k, float[] c, int c0,
            int cRow, boolean accumulate) {
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
        int r1 = a0 + aRow;
        int r2 = r1 + aRow;
        int r3 = r2 + aRow;
        int r4 = r3 + aRow;
        int r5 = r4 + aRow;
        int bi = b0;
        int ak = 0;
        for (int kk = 0; kk < k; kk++, bi += NR, ak += aK) {
            FloatVector b0v = FloatVector.fromArray(S, b, bi);
            FloatVector b1v = FloatVector.fromArray(S, b, bi + L);
            // acc = a.fma(b, acc): the other operand order makes C2 copy registers
            FloatVector av = FloatVector.broadcast(S, a[a0 + ak]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[r1 + ak]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[r2 + ak]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[r3 + ak]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(S, a[r4 + ak]);
            c40 = av.fma(b0v, c40);
            c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(S, a[r5 + ak]);
            c50 = av.fma(b0v, c50);
            c51 = av.fma(b1v, c51);
        }
        store(c, c0, c00, c01, accumulate);
        store(c, c0 + cRow, c10, c11, accumulate);
        store(c, c0 + 2 * cRow, c20, c21, accumulate);
        store(c, c0 + 3 * cRow, c30, c31, accumulate);
        store(c, c0 + 4 * cRow, c40, c41, accumulate);
        store(c, c0 + 5 * cRow, c50, c51, accumulate);
    }

    private static void block1(float[] a, int a0, int aK, float[] b, int b0, int k, float[] c, int c0,
            boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        int bi = b0;
        int ak = a0;
        for (int kk = 0; kk < k; kk++, bi += NR, ak += aK) {
            FloatVector av = FloatVector.broadcast(S, a[ak]);
            c00 = av.fma(FloatVector.fromArray(S, b, bi), c00);
            c01 = av.fma(FloatVector.fromArray(S, b, bi + L), c01);
        }
        store(c, c0, c00, c01, accumulate);
    }

    private static void store(float[] c, int off, FloatVector v0, FloatVector v1, boolean accumulate) {
        if (accumulate) {
            v0 = v0.add(FloatVector.fromArray(S, c, off));
            v1 = v1.add(FloatVector.fromArray(S, c, off + L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }

    /**
     * exp(x) lane-wise from adds, multiplies and FMAs only, with a relative error below 2 ulp: unlike the
     * {@code EXP} operator (an SVML stub when compiled, {@code Math.exp} when interpreted) it gives the same bits
     * before and after JIT compilation, which run-to-run determinism needs. Domain x &lt;= 88: every caller
     * exponentiates a logit minus a bound of the logits (a row max or a log-sum-exp), so x &lt;= 0 up to rounding.
     * Results below 2^-126 (x &lt; -87.34, including -infinity) are flushed to zero: they are under 1e-38 of the
     * row's largest term, and building 2^n with one shift and no clamps is about 4x cheaper than the two-factor
     * form that subnormal results need (measured on Zen 5).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        // Taylor series to degree 7 (truncation below 1e-8 relative for |r| <= ln2/2), Horner with FMAs
        FloatVector p = r.fma(1f / 5040, 1f / 720);
        p = p.fma(r, FloatVector.broadcast(S, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        // 2^n: t's bits are 0x4B400000 + n and 0x4B400000 << 23 vanishes in 32 bits, so (bits(t) + 127) << 23
        // is the exponent field of 2^n, normal for -126 <= n <= 127; below EXP_MIN (n < -126, or x so negative or
        // infinite that t and r are meaningless) the blend gives the flushed zero instead
        FloatVector pow = t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(pow).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    }

    /**
     * The lanes summed in double by a fixed tree: widened exactly into two double vectors, added lane-wise, then
     * folded in halves. Every step is a lane-wise IEEE add, so the bits are the same compiled or interpreted
     * (reduceLanes leaves its order to the implementation); the tree is log2(L) adds deep where a lane-order sum
     * is L, which matters at the end of every row reduction and dot product.
     */
    static double sumLanes(FloatVector v) {
        DoubleVector d = ((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0))
                .add((DoubleVector) v.convertShape(VectorOperators.F2D, DS, 1));
        // 16 and 8 only for vectors wider than 512 bits (SVE, up to 2048)
        if (DS.length() > 16) {
            d = d.add(d.rearrange(FOLD16));
        }
        if (DS.length() > 8) {
            d = d.add(d.rearrange(FOLD8));
        }
        if (DS.length() > 4) {
            d = d.add(d.rearrange(FOLD4));
        }
        if (DS.length() > 2) {
            d = d.add(d.rearrange(FOLD2));
        }
        if (DS.length() > 1) {
            d = d.add(d.rearrange(FOLD1));
        }
        return d.lane(0);
    }

    /** Lane l reads lane l + h (mod the length): one halving step of {@link #sumLanes}' tree; null past DS. */
    private static VectorShuffle<Double> fold(int h) {
        if (h >= DS.length()) {
            return null;
        }
        int[] index = new int[DS.length()];
        for (int l = 0; l < index.length; l++) {
            index[l] = (l + h) % index.length;
        }
        return VectorShuffle.fromArray(DS, index, 0);
    }

    @Override
    public long compiledClasses() {
        return PanamaExprClassWriter.classesDefined();
    }

    @Override
    public NegativeCode compile(KernelSpec spec) {
        return new PanamaExprCompiler(S).negative(spec, true);
    }

    @Override
    public NegativeCode compileAlternative(KernelSpec spec) {
        return new PanamaExprCompiler(S).negative(spec, false);
    }

    @Override
    public void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff) {
        FloatVector fyv = FloatVector.broadcast(S, fy);
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        for (int i = 0; i < n; i += L) {
            // masked tail: the last vector covers the remainder, same code as the body
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector gv = g == null ? cv : g.apply(cv, fyv);
            gv.mul(s).intoArray(z, zOff + i, m);
        }
    }

    @Override
    public float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s) {
        if (code == null) {
            // s >= 0 and rounding is monotonic, so max_j fl(s c_j) = fl(s max_j c_j) exactly; an empty run stays
            // -infinity even where s rounds to 0 in float (a scale below 1.4e-45), where -infinity * s is NaN
            return n == 0 ? Float.NEGATIVE_INFINITY : max(c, cOff, n) * s;
        }
        PanamaExpr g = ((PanamaNegativeCode) code).value();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            acc = acc.max(g.apply(FloatVector.fromArray(S, c, cOff + i), fyv).mul(s));
        }
        // vector tail: masked-off lanes stay -infinity
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector z = g.apply(FloatVector.fromArray(S, c, cOff + i, m), fyv).mul(s);
            acc = acc.max(z.blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        // reduce: max is exact, so lane order does not matter
        return acc.reduceLanes(VectorOperators.MAX);
    }

    @Override
    public double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max) {
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negMax = FloatVector.broadcast(S, -max);
        double sum = 0;
        for (int start = 0; start < n; start += DOUBLE_BLOCK) {
            int end = Math.min(n, start + DOUBLE_BLOCK);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            int bound = start + S.loopBound(end - start);
            for (; i < bound; i += L) {
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
                // s g - max in one rounding, as softmaxGradient takes s g - lse: the sum and the gradient see the
                // same exact logits (with fl(s g) the two differed by a relative 1e-4 at s = 1000)
                acc = acc.add(exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negMax)));
            }
            // vector tail
            if (i < end) {
                VectorMask<Float> m = S.indexInRange(i, end);
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
                acc = acc.add(exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negMax)), m);
            }
            // reduce
            sum += sumLanes(acc);
        }
        return sum;
    }

    @Override
    public void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float coef, float[] out, int outOff) {
        FloatVector negLse = FloatVector.broadcast(S, -lse);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negCoef = FloatVector.broadcast(S, -coef);
        FloatVector fyv = FloatVector.broadcast(S, fy);
        // g and dg/dc null for the identity: the branches are loop-invariant, so C2 splits the loop on them
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        PanamaExpr dg = code == null ? null : ((PanamaNegativeCode) code).gradient();
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            FloatVector p = exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negLse)).mul(negCoef);
            (dg == null ? p : p.mul(dg.apply(cv, fyv))).intoArray(out, outOff + i);
        }
        // vector tail
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector p = exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negLse)).mul(negCoef);
            (dg == null ? p : p.mul(dg.apply(cv, fyv))).intoArray(out, outOff + i, m);
        }
    }

    @Override
    public double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse) {
        if (code == null || ((PanamaNegativeCode) code).targetGradient() == null) {
            return 0;
        }
        PanamaNegativeCode neg = (PanamaNegativeCode) code;
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negLse = FloatVector.broadcast(S, -lse);
        double sum = 0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector p = exp(neg.value().apply(cv, fyv).fma(sv, negLse));
            sum += sumLanes(p.mul(neg.targetGradient().apply(cv, fyv)).blend(0f, m.not()));
        }
        return sum;
    }

    @Override
    public void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
            int outOff) {
        if (code == null) {
            System.arraycopy(df, dfOff, out, outOff, n);
            return;
        }
        PanamaExpr dg = ((PanamaNegativeCode) code).gradient();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector.fromArray(S, df, dfOff + i, m).mul(dg.apply(cv, fyv)).intoArray(out, outOff + i, m);
        }
    }

    @Override
    public double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy) {
        if (code == null || ((PanamaNegativeCode) code).targetGradient() == null) {
            return 0;
        }
        PanamaExpr dgdfy = ((PanamaNegativeCode) code).targetGradient();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        double sum = 0;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            sum += sumLanes(FloatVector.fromArray(S, df, dfOff + i, m).mul(dgdfy.apply(cv, fyv)).blend(0f, m.not()));
        }
        return sum;
    }
}
