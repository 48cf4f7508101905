package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math of the kernels, from lane-wise IEEE operations only so that the bits are the same compiled or
 * interpreted: exp from FMAs, and the sum of a vector's lanes in double by a fixed tree. A job template: one
 * hidden copy per species (see {@link PanamaJobs}).
 */
final class PanamaVectorMath implements PanamaJobs.VectorMath {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    // doubles of the same shape (L/2 lanes): sumLanes widens a float vector into two of them
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    private static final VectorShuffle<Double> FOLD16 = fold(16);
    private static final VectorShuffle<Double> FOLD8 = fold(8);
    private static final VectorShuffle<Double> FOLD4 = fold(4);
    private static final VectorShuffle<Double> FOLD2 = fold(2);
    private static final VectorShuffle<Double> FOLD1 = fold(1);
    // exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 in two parts (Cody-Waite)
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
    private static final float ROUNDER = 12582912f;
    // -126 ln 2: from here up 2^n is a normal float (n >= -126); below, the result (< 2^-126) is flushed to zero
    private static final float EXP_MIN = -87.33654f;

    PanamaVectorMath() {
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
    @Override
    public FloatVector exp(FloatVector x) {
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
    @Override
    public double sumLanes(FloatVector v) {
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
}
