package org.marginkernels.cpu;

import java.util.Arrays;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;

/**
 * The plain-Java micro-kernels: the same contracts and packed layout as {@link PanamaKernels}, used when
 * {@code jdk.incubator.vector} is not readable or when scalar kernels are forced. Loops are simple enough that C2
 * may auto-vectorize some of them; the negative transform uses the spec's double evaluators.
 */
final class ScalarKernels implements CpuKernels {

    // panel width of the packed GEMM operand; 8 columns keep the accumulator block small
    private static final int NR = 8;
    private static final int MR = 4;

    @Override
    public String description() {
        return "scalar";
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public double sumOfSquares(float[] a, int off, int n) {
        return dot(a, off, a, off, n);
    }

    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return CpuKernels.exactDot(a, aOff, b, bOff, n);
    }

    @Override
    public void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff,
            int columns, float[] out) {
        Packing.packRowsTransposed(m, dim, row0, rows, rowScale, scaleOff, columns, NR, out);
    }

    @Override
    public void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride,
            int panels) {
        for (int p = 0; p < panels; p++) {
            for (int q = 0; q < NR; q++) {
                dst[dstOff + p * panelStride + q] = src[srcOff + p * NR + q] * factor;
            }
        }
    }

    @Override
    public void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = src[srcOff + i] * factor;
        }
    }

    @Override
    public void removeAlong(float[] g, int gOff, float[] x, int xOff, double along, double inverseNorm, float[] out,
            int outOff, int n) {
        float hi = (float) along;
        float lo = (float) (along - hi);
        float inv = (float) inverseNorm;
        // the same operations as the vector kernels, so both give the same bits
        for (int i = 0; i < n; i++) {
            float r = Math.fma(-hi, x[xOff + i], g[gOff + i]);
            out[outOff + i] = Math.fma(-lo, x[xOff + i], r) * inv;
        }
    }

    @Override
    public float max(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        return max;
    }

    @Override
    public int rowBlock() {
        return MR;
    }

    @Override
    public void gemm(float[] a, int aOff, float[] b, int bOff, int panels, int k, float[] c, int cOff, int cRow,
            int m, boolean accumulate) {
        float[] acc = new float[MR * NR];
        for (int p = 0; p < panels; p++) {
            int bp = bOff + p * k * NR;
            int cp = cOff + p * NR;
            for (int i = 0; i < m; i += MR) {
                int rows = Math.min(MR, m - i);
                Arrays.fill(acc, 0f);
                for (int kk = 0; kk < k; kk++) {
                    int bi = bp + kk * NR;
                    for (int r = 0; r < rows; r++) {
                        float av = a[aOff + i * k + kk * MR + r];
                        for (int q = 0; q < NR; q++) {
                            acc[r * NR + q] = Math.fma(av, b[bi + q], acc[r * NR + q]);
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int ci = cp + (i + r) * cRow;
                    for (int q = 0; q < NR; q++) {
                        c[ci + q] = accumulate ? c[ci + q] + acc[r * NR + q] : acc[r * NR + q];
                    }
                }
            }
        }
    }

    @Override
    public NegativeCode compile(KernelSpec spec) {
        return spec.hasNegative() ? new ScalarNegativeCode(spec) : null;
    }

    @Override
    public NegativeCode compileAlternative(KernelSpec spec) {
        return compile(spec);
    }

    @Override
    public void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff) {
        KernelSpec spec = spec(code);
        for (int i = 0; i < n; i++) {
            z[zOff + i] = s * negative(spec, c[cOff + i], fy);
        }
    }

    @Override
    public float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s) {
        KernelSpec spec = spec(code);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, s * negative(spec, c[cOff + i], fy));
        }
        return max;
    }

    @Override
    public double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max) {
        KernelSpec spec = spec(code);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (float) Math.exp(Math.fma(negative(spec, c[cOff + i], fy), s, -max));
        }
        return sum;
    }

    @Override
    public double logitSum(NegativeCode code, float[] c, int cOff, int n, float fy) {
        KernelSpec spec = spec(code);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += negative(spec, c[cOff + i], fy);
        }
        return sum;
    }

    private static KernelSpec spec(NegativeCode code) {
        return code == null ? null : ((ScalarNegativeCode) code).spec();
    }

    /** g(c, fy) in float; the identity when spec is null. */
    private static float negative(KernelSpec spec, float c, float fy) {
        return spec == null ? c : (float) spec.negative(c, fy);
    }

    @Override
    public void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float coef, float q, float[] out, int outOff) {
        KernelSpec spec = spec(code);
        for (int i = 0; i < n; i++) {
            float ci = c[cOff + i];
            float g = negative(spec, ci, fy);
            float dg = spec == null ? 1f : (float) spec.negativeGradient(ci, fy);
            out[outOff + i] = -coef * ((float) Math.exp(Math.fma(g, s, -lse)) - q) * dg;
        }
    }

    @Override
    public double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float q) {
        KernelSpec spec = spec(code);
        if (spec == null || spec.negativeIgnoresTarget()) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float g = (float) spec.negative(c[cOff + i], fy);
            sum += (Math.exp(Math.fma(g, s, -lse)) - q) * spec.negativeTargetGradient(c[cOff + i], fy);
        }
        return sum;
    }

    @Override
    public void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
            int outOff) {
        KernelSpec spec = spec(code);
        if (spec == null) {
            System.arraycopy(df, dfOff, out, outOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[outOff + i] = df[dfOff + i] * (float) spec.negativeGradient(c[cOff + i], fy);
        }
    }

    @Override
    public double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy) {
        KernelSpec spec = spec(code);
        if (spec == null || spec.negativeIgnoresTarget()) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += df[dfOff + i] * spec.negativeTargetGradient(c[cOff + i], fy);
        }
        return sum;
    }

    @Override
    public RegressionCode compile(RegressionSpec spec) {
        return new ScalarRegressionCode(spec);
    }

    @Override
    public RegressionCode compileAlternative(RegressionSpec spec) {
        return compile(spec);
    }

    @Override
    public double regression(RegressionCode code, float[] predictions, float[] targets, int n, float weight,
            float[] grad) {
        RegressionSpec spec = ((ScalarRegressionCode) code).spec();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            // the residual rounded to float, as the vector kernels form it
            float x = predictions[i] - targets[i];
            sum += (float) spec.value(x, targets[i]);
            if (grad != null) {
                grad[i] = weight * (float) spec.gradient(x, targets[i]);
            }
        }
        return sum;
    }
}
