package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;
import org.marginkernels.MarginSoftmax;

/**
 * The row reductions of the forward pass: {@link CpuKernels#logitMax} and {@link CpuKernels#logitExpSum} must give
 * the bits of {@link CpuKernels#logits} followed by {@link CpuKernels#max} and the exp sum of the stored logits (they
 * only skip the store), and the kernels' exp must stay within 2 ulp of {@link Math#exp} where the result is a
 * normal float, and (the Vector API kernels) be exactly zero where it would be below 2^-126.
 */
class RowReductionProperties extends CpuTestSupport {

    @Property(tries = 200, seed = "20261131")
    void reductionsEqualTheStoredLogits(@ForAll @IntRange(min = 0, max = 1100) int n,
            @ForAll @IntRange(min = 0, max = 2) int which, @ForAll @DoubleRange(min = 1, max = 128) double scale,
            @ForAll long seed) {
        MarginSoftmax loss = catalogue().get(new String[] {"arcFace", "svSoftmax", "mvSoftmax"}[which]);
        CpuKernels kernels = kernels(0);
        NegativeCode code = kernels.compile(loss.spec());
        SplittableRandom r = new SplittableRandom(seed);
        float[] c = new float[n + 3];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) (r.nextDouble() * 2 - 1);
        }
        float fy = (float) (r.nextDouble() * 2 - 1);
        float s = (float) scale;
        float[] z = new float[n];
        kernels.logits(code, c, 2, n, fy, s, z, 0);
        float max = kernels.max(z, 0, n);
        assertEquals(Float.floatToIntBits(max), Float.floatToIntBits(kernels.logitMax(code, c, 2, n, fy, s)),
                "max of " + n + " logits");
        if (n > 0) {
            // the transformed values g(c) stored (at scale 1), then summed at scale s through the identity
            // transform: the same exp(s g - max) in one FMA, lane for lane
            float[] g = new float[n];
            kernels.logits(code, c, 2, n, fy, 1f, g, 0);
            double stored = kernels.logitExpSum(null, g, 0, n, 0f, s, max);
            assertEquals(stored, kernels.logitExpSum(code, c, 2, n, fy, s, max), "exp sum of " + n + " logits");
        }
    }

    @Property(tries = 2000, seed = "20261132")
    void expIsWithinTwoUlpOfMathExp(@ForAll @DoubleRange(min = -87.3365, max = 88) @Scale(6) double x) {
        float xf = (float) x;
        double got = exp(kernels(0), xf);
        double exact = Math.exp(xf);
        // a float result below 2^-126 is subnormal: there the bound is 2 ulp of 2^-126 in absolute terms
        double ulp = Math.ulp((float) Math.max(exact, 0x1p-126));
        assertTrue(Math.abs(got - exact) <= 2 * ulp, () -> "exp(" + xf + ") = " + got + ", Math.exp " + exact);
    }

    @Test
    void expFlushesBelowTwoToTheMinus126() {
        CpuKernels kernels = kernels(0);
        assumeTrue(kernels.description().startsWith("panama"), "the scalar kernels use Math.exp, which keeps "
                + "subnormal results");
        float threshold = -87.33654f;
        assertTrue(exp(kernels, threshold) > 0, "exp at the threshold");
        for (float x : new float[] {Math.nextDown(threshold), -88f, -104f, -1e30f, Float.NEGATIVE_INFINITY}) {
            assertEquals(0.0, exp(kernels, x), "exp(" + x + ")");
        }
        assertEquals(1.0, exp(kernels, 0f), "exp(0)");
    }

    /** exp(x) through the kernels: the exp sum of one logit x with max 0. */
    private static double exp(CpuKernels kernels, float x) {
        return kernels.logitExpSum(null, new float[] {x}, 0, 1, 0f, 1f, 0f);
    }
}
