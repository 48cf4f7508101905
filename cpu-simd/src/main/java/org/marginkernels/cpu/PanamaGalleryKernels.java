package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.spi.GalleryLayout;

/**
 * The gallery panel kernels with the Vector API, reading panel-packed rows straight from their memory segment
 * (heap, off-heap or a mapped file). A job template: one hidden copy per species (see {@link PanamaJobs}).
 *
 * <p>A panel is 32 rows stored coordinate by coordinate, so the lanes of a vector are rows and every element of C
 * is one chain of FMAs over the coordinates, the bits of {@link org.marginkernels.reference.ScalarGalleryKernels}
 * whatever block computes it. No vector tail, an exception to the tail policy of {@link PanamaKernels}: a panel is
 * always 32 whole lanes (zero past the last row) and 32 is a multiple of every register block's width.
 */
final class PanamaGalleryKernels implements GalleryKernelsJob {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    private static final int P = GalleryLayout.PANEL;
    // a register block of the batch GEMM is MR queries x two vectors, as in PanamaGemm
    private static final int NR = 2 * L;
    // one query is latency-bound on its FMA chains: four vectors give four independent chains where 32 rows hold
    // four (up to 256-bit vectors); 512-bit vectors have two
    private static final int SINGLE = Math.min(P, 4 * L);
    private static final ByteOrder ORDER = GalleryLayout.ORDER;
    private static final long FLOAT_STEP = (long) P * Float.BYTES;
    // bytes of L codes, at least the narrowest byte species (64 bits); wider than L lanes only below 256-bit floats
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, 8 * L)));
    private static final boolean MASK_CODES = B.length() > L;
    private static final VectorMask<Byte> CODES = B.indexInRange(0, L);

    PanamaGalleryKernels() {
    }

    @Override
    public void floatPanel(float[] a, int q, int dim, MemorySegment rows, long panelElement, float[] c) {
        long base = panelElement * Float.BYTES;
        if (q == 1) {
            for (int col = 0; col < P; col += SINGLE) {
                if (SINGLE == 4 * L) {
                    float4(a, dim, rows, base + col * Float.BYTES, c, col);
                } else {
                    block1(a, 0, dim, rows, base + col * Float.BYTES, c, col);
                }
            }
            return;
        }
        for (int col = 0; col < P; col += NR) {
            long b = base + col * Float.BYTES;
            int i = 0;
            for (; i + 6 <= q; i += 6) {
                block6(a, i * dim, dim, rows, b, c, i * P + col);
            }
            if (i + 4 <= q) {
                block4(a, i * dim, dim, rows, b, c, i * P + col);
                i += 4;
            }
            // row tail
            for (; i < q; i++) {
                block1(a, i * dim, dim, rows, b, c, i * P + col);
            }
        }
    }

    @Override
    public void codePanel(float[] a, int q, int dim, MemorySegment codes, long panelElement, float[] c) {
        // one query at a time: the panel's codes (32 dim bytes) stay in L1 across the small batches this serves
        for (int i = 0; i < q; i++) {
            for (int col = 0; col < P; col += SINGLE) {
                if (SINGLE == 4 * L) {
                    code4(a, i * dim, dim, codes, panelElement + col, c, i * P + col);
                } else {
                    code2(a, i * dim, dim, codes, panelElement + col, c, i * P + col);
                }
            }
        }
    }

    private static void float4(float[] a, int dim, MemorySegment m, long b0, float[] c, int c0) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += FLOAT_STEP) {
            FloatVector av = FloatVector.broadcast(S, a[kk]);
            s0 = av.fma(FloatVector.fromMemorySegment(S, m, bi, ORDER), s0);
            s1 = av.fma(FloatVector.fromMemorySegment(S, m, bi + L * Float.BYTES, ORDER), s1);
            s2 = av.fma(FloatVector.fromMemorySegment(S, m, bi + 2 * L * Float.BYTES, ORDER), s2);
            s3 = av.fma(FloatVector.fromMemorySegment(S, m, bi + 3 * L * Float.BYTES, ORDER), s3);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + L);
        s2.intoArray(c, c0 + 2 * L);
        s3.intoArray(c, c0 + 3 * L);
    }

    private static void block6(float[] a, int a0, int dim, MemorySegment m, long b0, float[] c, int c0) {
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
        int r1 = a0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        int r4 = r3 + dim;
        int r5 = r4 + dim;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += FLOAT_STEP) {
            FloatVector b0v = FloatVector.fromMemorySegment(S, m, bi, ORDER);
            FloatVector b1v = FloatVector.fromMemorySegment(S, m, bi + L * Float.BYTES, ORDER);
            // acc = a.fma(b, acc): the other operand order makes C2 copy registers (see PanamaGemm)
            FloatVector av = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[r1 + kk]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[r2 + kk]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[r3 + kk]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(S, a[r4 + kk]);
            c40 = av.fma(b0v, c40);
            c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(S, a[r5 + kk]);
            c50 = av.fma(b0v, c50);
            c51 = av.fma(b1v, c51);
        }
        store(c, c0, c00, c01);
        store(c, c0 + P, c10, c11);
        store(c, c0 + 2 * P, c20, c21);
        store(c, c0 + 3 * P, c30, c31);
        store(c, c0 + 4 * P, c40, c41);
        store(c, c0 + 5 * P, c50, c51);
    }

    private static void block4(float[] a, int a0, int dim, MemorySegment m, long b0, float[] c, int c0) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int r1 = a0 + dim;
        int r2 = r1 + dim;
        int r3 = r2 + dim;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += FLOAT_STEP) {
            FloatVector b0v = FloatVector.fromMemorySegment(S, m, bi, ORDER);
            FloatVector b1v = FloatVector.fromMemorySegment(S, m, bi + L * Float.BYTES, ORDER);
            FloatVector av = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(S, a[r1 + kk]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(S, a[r2 + kk]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(S, a[r3 + kk]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
        }
        store(c, c0, c00, c01);
        store(c, c0 + P, c10, c11);
        store(c, c0 + 2 * P, c20, c21);
        store(c, c0 + 3 * P, c30, c31);
    }

    private static void block1(float[] a, int a0, int dim, MemorySegment m, long b0, float[] c, int c0) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += FLOAT_STEP) {
            FloatVector av = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = av.fma(FloatVector.fromMemorySegment(S, m, bi, ORDER), c00);
            c01 = av.fma(FloatVector.fromMemorySegment(S, m, bi + L * Float.BYTES, ORDER), c01);
        }
        store(c, c0, c00, c01);
    }

    private static void code4(float[] a, int a0, int dim, MemorySegment m, long b0, float[] c, int c0) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += P) {
            FloatVector av = FloatVector.broadcast(S, a[a0 + kk]);
            s0 = av.fma(codes(m, bi), s0);
            s1 = av.fma(codes(m, bi + L), s1);
            s2 = av.fma(codes(m, bi + 2 * L), s2);
            s3 = av.fma(codes(m, bi + 3 * L), s3);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + L);
        s2.intoArray(c, c0 + 2 * L);
        s3.intoArray(c, c0 + 3 * L);
    }

    private static void code2(float[] a, int a0, int dim, MemorySegment m, long b0, float[] c, int c0) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        long bi = b0;
        for (int kk = 0; kk < dim; kk++, bi += P) {
            FloatVector av = FloatVector.broadcast(S, a[a0 + kk]);
            s0 = av.fma(codes(m, bi), s0);
            s1 = av.fma(codes(m, bi + L), s1);
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + L);
    }

    /** L int8 codes at byte {@code at}, widened to floats (exact). */
    private static FloatVector codes(MemorySegment m, long at) {
        ByteVector bytes = MASK_CODES ? ByteVector.fromMemorySegment(B, m, at, ORDER, CODES)
                : ByteVector.fromMemorySegment(B, m, at, ORDER);
        return (FloatVector) bytes.convertShape(VectorOperators.B2F, S, 0);
    }

    private static void store(float[] c, int off, FloatVector v0, FloatVector v1) {
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }
}
