package org.marginkernels.cpu;

/**
 * The backward of row normalization, dx = (g - (g . x^) x^) / |x|, the subtraction with (g . x) / |x|^2 in double
 * (or as two floats): it is O(rows x dim), cheap next to the GEMMs, and the subtraction cancels whenever g is nearly
 * parallel to x (always, for dim = 1): with a float factor the result would carry an absolute error of eps |g|
 * instead of a relative one.
 */
final class NormalizationBackward {

    private NormalizationBackward() {
    }

    /**
     * One row from the raw vector and its |x|^2: dx_k = (g_k - (g . x) x_k / |x|^2) / |x|, g . x by the kernels
     * (vector FMAs reduced in double: this runs on every weight row, C x D elements, each step) unless the row's
     * norm is outside the range where float products and sums are safe, or the float sum overflowed (a gradient
     * near the float range against a raw row of up to 2^126): then in double, where no product of floats overflows.
     *
     * @param kernels computes g . x
     * @param g dL/dx^ of the row times gScale. Not modified.
     * @param raw the raw row x. Not modified.
     * @param sumOfSquares |x|^2 in double
     * @param gScale the power of two g was scaled by (1 for none), divided out here
     * @param normGrad dL/d|x| of a loss that reads the norm (0 for none), added along x^: d|x|/dx = x^
     * @param out receives dL/dx. Modified.
     */
    static void fromRaw(CpuKernels kernels, float[] g, int gOff, float[] raw, int rawOff, int n, double sumOfSquares,
            float gScale, double normGrad, float[] out, int outOff) {
        if (n == 1) {
            // x / |x| = sign(x) is locally constant: the Jacobian of the direction is exactly zero
            out[outOff] = (float) (normGrad * Math.signum(raw[rawOff]));
            return;
        }
        // (g - along x) / |x| + normGrad x / |x| = (g - (along - normGrad) x) / |x|, with g scaled by gScale
        double alongShift = normGrad * gScale;
        double inverseNorm = 1 / (Math.sqrt(sumOfSquares) * gScale);
        if (!CpuKernels.inFloatRange(sumOfSquares)) {
            // (g . x) / |x|^2 leaves the float range with |x| (3e-72 for g ~ 1 against |x| = 1e36): all in double
            double along = CpuKernels.exactDot(g, gOff, raw, rawOff, n) / sumOfSquares - alongShift;
            for (int k = 0; k < n; k++) {
                out[outOff + k] = (float) ((g[gOff + k] - along * raw[rawOff + k]) * inverseNorm);
            }
            return;
        }
        double gx = kernels.dot(g, gOff, raw, rawOff, n);
        if (!Double.isFinite(gx)) {
            gx = CpuKernels.exactDot(g, gOff, raw, rawOff, n);
        }
        kernels.removeAlong(g, gOff, raw, rawOff, gx / sumOfSquares - alongShift, inverseNorm, out, outOff, n);
    }

    /**
     * One row from the normalized vector y and the norm: dx_k = (g_k - (g . y) y_k) / norm.
     *
     * @param g dL/dy of the row. Not modified.
     * @param y the normalized row. Not modified.
     * @param out receives dL/dx. Modified.
     */
    static void fromNormalized(float[] g, int gOff, float[] y, int yOff, double norm, int n, float[] out,
            int outOff) {
        // no dim-1 shortcut: y is the caller's, not necessarily +-1 (for y = +-1 the formula gives exactly 0 anyway)
        double gy = 0;
        for (int k = 0; k < n; k++) {
            gy += (double) g[gOff + k] * y[yOff + k];
        }
        for (int k = 0; k < n; k++) {
            out[outOff + k] = (float) ((g[gOff + k] - gy * y[yOff + k]) / norm);
        }
    }
}
