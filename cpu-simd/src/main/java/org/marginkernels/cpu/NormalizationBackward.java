package org.marginkernels.cpu;

/**
 * The backward of row normalization, dx = (g - (g . x^) x^) / |x|, in double precision. It is O(rows x dim), cheap
 * next to the GEMMs, and the subtraction cancels whenever g is nearly parallel to x (always, for dim = 1): in float
 * the result would carry an absolute error of eps |g| instead of a relative one.
 */
final class NormalizationBackward {

    private NormalizationBackward() {
    }

    /**
     * One row from the raw vector: dx_k = (g_k - (g . x) x_k / |x|^2) / |x|.
     *
     * @param g dL/dx^ of the row. Not modified.
     * @param raw the raw row x. Not modified.
     * @param out receives dL/dx. Modified.
     */
    static void fromRaw(float[] g, int gOff, float[] raw, int rawOff, int n, float[] out, int outOff) {
        if (n == 1) {
            // x / |x| = sign(x) is locally constant: the Jacobian is exactly zero, not a rounding residue
            out[outOff] = 0f;
            return;
        }
        double gx = 0;
        double xx = 0;
        for (int k = 0; k < n; k++) {
            double x = raw[rawOff + k];
            gx += g[gOff + k] * x;
            xx += x * x;
        }
        double norm = Math.sqrt(xx);
        double along = gx / xx;
        for (int k = 0; k < n; k++) {
            out[outOff + k] = (float) ((g[gOff + k] - along * raw[rawOff + k]) / norm);
        }
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
        if (n == 1) {
            out[outOff] = 0f;
            return;
        }
        double gy = 0;
        for (int k = 0; k < n; k++) {
            gy += (double) g[gOff + k] * y[yOff + k];
        }
        for (int k = 0; k < n; k++) {
            out[outOff + k] = (float) ((g[gOff + k] - gy * y[yOff + k]) / norm);
        }
    }
}
