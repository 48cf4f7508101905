package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.cpu.PanamaJobs.VectorMath;
import org.marginkernels.spi.RowCheck;

/**
 * The level-1 kernels with the Vector API: norms, dot products, scaling and max over one row. A job template: one
 * hidden copy per species (see {@link PanamaJobs}); vector tails follow the policy of {@link PanamaKernels}.
 */
final class PanamaLevel1 implements PanamaJobs.Level1 {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    private static final int NR = PanamaJobs.panelWidth(S);
    // dot products reduce to double at least this often (a multiple of every 4 L): rows up to this long, every
    // embedding in practice, are one float body
    private static final int DOT_BLOCK = 4096;
    private static final VectorMath MATH = PanamaJobs.copy(PanamaVectorMath.class, VectorMath.class, S);

    PanamaLevel1() {
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
        // scalar tail, an exception to the tail policy: products are exact in double, and a masked float tail
        // would change the bits of every dot product whose length is not a multiple of L
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
        return MATH.sumLanes(acc0.add(acc1).add(acc2.add(acc3)));
    }

    @Override
    public void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n) {
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, src, srcOff + i).mul(factor).intoArray(dst, dstOff + i);
        }
        // masked tail
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, src, srcOff + i, m).mul(factor).intoArray(dst, dstOff + i, m);
        }
    }

    @Override
    public void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride,
            int panels) {
        // no tail, an exception to the tail policy: whole panels of NR = 2 L (Packing.packRows does a partial one)
        FloatVector f = FloatVector.broadcast(S, factor);
        for (int p = 0; p < panels; p++) {
            int from = srcOff + p * NR;
            int to = dstOff + p * panelStride;
            FloatVector.fromArray(S, src, from).mul(f).intoArray(dst, to);
            FloatVector.fromArray(S, src, from + L).mul(f).intoArray(dst, to + L);
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
        // masked tail
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
        // masked tail: masked-off lanes stay -infinity
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc1 = acc1.max(FloatVector.fromArray(S, a, off + i, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        // reduce: max is exact, so the order does not matter
        return acc0.max(acc1).max(acc2.max(acc3)).reduceLanes(VectorOperators.MAX);
    }
}
