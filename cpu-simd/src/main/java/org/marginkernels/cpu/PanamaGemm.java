package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM of packed panels with the Vector API: register blocks of MR rows x NR columns (two vectors), each element
 * of C one chain of FMAs over k. A job template: one hidden copy per species (see {@link PanamaJobs}).
 */
final class PanamaGemm implements PanamaJobs.Gemm {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    // register block of the GEMM: MR rows x 2 vectors. With 32 vector registers (AVX-512, AArch64) 12 rows:
    // 24 accumulators + 2 B vectors + 1 broadcast, which halves the loads per FMA of the 6-row block that 16
    // registers (AVX2) allow: measured 205-213 against 150-158 GFLOP/s on one Zen 5 core at D = 512
    private static final int NR = PanamaJobs.panelWidth(S);
    private static final int MR = PanamaSpecies.WIDE_REGISTER_FILE ? 12 : 6;

    PanamaGemm() {
    }

    @Override
    public void gemm(float[] a, int aOff, int aRow, int aK, float[] b, int bOff, int panels, int k, float[] c,
            int cOff, int cRow, int m, boolean accumulate) {
        // no vector tail, an exception to the tail policy: B is packed in whole NR-wide panels padded with zeros,
        // so C rows are written for whole panels; panel outer: one packed B panel (k x NR) stays in L2 while every
        // row block streams past it
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
}
