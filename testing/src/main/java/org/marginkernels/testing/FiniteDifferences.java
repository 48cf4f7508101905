package org.marginkernels.testing;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Numerical derivatives of a scalar function of a float array, for checking hand-written or generated gradients.
 *
 * <p>Each partial derivative is a central difference over the step actually taken ((float) (x + h) - (float) (x - h),
 * exact in double), Richardson-extrapolated from steps h and h/2: D = (4 D(h/2) - D(h)) / 3, whose error is O(h^4)
 * times the fifth derivative instead of O(h^2) times the third. Inputs on the grid of {@link #gridValues} make
 * x +- h exact, so the only error left is the function's own rounding divided by h.
 */
public final class FiniteDifferences {

    /** The default step, 2^-12: small against the curvature of losses of unit-scale inputs, large against float
     *  rounding of losses of order 1 to 100 in double. */
    public static final float DEFAULT_STEP = 0x1p-12f;

    private FiniteDifferences() {
    }

    /**
     * The gradient of {@code f} at {@code x}, element by element with {@link #DEFAULT_STEP}.
     *
     * @param x the point. Perturbed one element at a time while {@code f} runs and restored before return.
     */
    public static double[] gradient(ToDoubleFunction<float[]> f, float[] x) {
        return gradient(f, x, DEFAULT_STEP);
    }

    /**
     * As {@link #gradient(ToDoubleFunction, float[])} with step {@code h}.
     *
     * @throws IllegalArgumentException unless h is a positive finite float
     */
    public static double[] gradient(ToDoubleFunction<float[]> f, float[] x, float h) {
        if (!(h > 0) || Float.isInfinite(h)) {
            throw new IllegalArgumentException("h must be positive and finite, got " + h);
        }
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            g[i] = derivative(f, x, i, h);
        }
        return g;
    }

    /** The Richardson-extrapolated central difference of {@code f} in element {@code i} of {@code x}. */
    public static double derivative(ToDoubleFunction<float[]> f, float[] x, int i, float h) {
        return (4 * central(f, x, i, h / 2) - central(f, x, i, h)) / 3;
    }

    private static double central(ToDoubleFunction<float[]> f, float[] x, int i, float h) {
        float saved = x[i];
        float up = saved + h;
        float down = saved - h;
        try {
            x[i] = up;
            double plus = f.applyAsDouble(x);
            x[i] = down;
            double minus = f.applyAsDouble(x);
            return (plus - minus) / ((double) up - down);
        } finally {
            x[i] = saved;
        }
    }

    /**
     * Random values on the 2^-6 grid in [-2, 2], so that x +- 2^-12 and x +- 2^-13 are exact floats; rows of
     * {@code dim} values are redrawn until their norm is at least 0.5, which keeps a normalization's derivative
     * (1 / |x|) moderate.
     *
     * @param n how many values; a multiple of dim
     */
    public static float[] gridValues(SplittableRandom random, int n, int dim) {
        if (dim < 1 || n < 0 || n % dim != 0) {
            throw new IllegalArgumentException("n must be a non-negative multiple of dim >= 1, got n " + n + ", dim "
                    + dim);
        }
        float[] a = new float[n];
        for (int row = 0; row < n / dim; row++) {
            double norm;
            do {
                norm = 0;
                for (int k = row * dim; k < (row + 1) * dim; k++) {
                    a[k] = (random.nextInt(257) - 128) / 64f;
                    norm += a[k] * a[k];
                }
            } while (Math.sqrt(norm) < 0.5);
        }
        return a;
    }

    /**
     * Asserts that an analytic gradient matches the numerical one within {@code relToMax} times the largest numeric
     * entry (plus 1e-9) and {@code rel} of each entry (see {@link Tolerance#assertClose}).
     *
     * @param what names the gradient in the failure message
     * @param analytic the gradient to check. Not modified.
     * @param x the point; perturbed and restored
     */
    public static void assertGradient(String what, float[] analytic, ToDoubleFunction<float[]> f, float[] x,
            double relToMax, double rel) {
        double[] numeric = gradient(f, x);
        float[] expected = new float[numeric.length];
        for (int i = 0; i < numeric.length; i++) {
            expected[i] = (float) numeric[i];
        }
        Tolerance.assertClose(what, expected, analytic, relToMax * Tolerance.maxAbs(expected) + 1e-9, rel);
    }
}
