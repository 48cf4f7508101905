package org.marginkernels.examples;

import java.util.Arrays;

/**
 * The three matrix products of a dense layer y = x W + b, written as plain loops whose innermost loop runs over
 * contiguous memory (so the JIT can vectorize it). Layout: x is rows x in, W is in x out (input-major), y is
 * rows x out, all row-major. Every product is split over output rows, so no two threads write the same value.
 */
public final class DenseKernels {

    // rows of x that share one pass over W in the forward product: their outputs stay in L1 while W streams
    private static final int ROW_BLOCK = 8;
    private static final int MIN_ROWS_PER_CHUNK = 8;

    private DenseKernels() {
    }

    /**
     * Forward product y = x W + b. Zero inputs (ReLU outputs, blank pixels) are skipped.
     *
     * @param x rows x in. Not modified.
     * @param w in x out. Not modified.
     * @param b out. Not modified.
     * @param y receives rows x out. Modified.
     */
    public static void forward(RowParallel par, float[] x, float[] w, float[] b, float[] y, int rows, int in,
            int out) {
        par.forRange(rows, MIN_ROWS_PER_CHUNK, (from, to) -> {
            for (int r0 = from; r0 < to; r0 += ROW_BLOCK) {
                int r1 = Math.min(to, r0 + ROW_BLOCK);
                for (int r = r0; r < r1; r++) {
                    System.arraycopy(b, 0, y, r * out, out);
                }
                for (int k = 0; k < in; k++) {
                    int wk = k * out;
                    for (int r = r0; r < r1; r++) {
                        float a = x[r * in + k];
                        if (a != 0f) {
                            axpy(a, w, wk, y, r * out, out);
                        }
                    }
                }
            }
        });
    }

    /**
     * Weight and bias gradients: gw = x^T dy, gb = sum over rows of dy.
     *
     * @param x rows x in. Not modified.
     * @param dy rows x out. Not modified.
     * @param gw receives in x out. Modified.
     * @param gb receives out. Modified.
     */
    public static void weightGradient(RowParallel par, float[] x, float[] dy, float[] gw, float[] gb, int rows,
            int in, int out) {
        par.forRange(in, MIN_ROWS_PER_CHUNK, (from, to) -> {
            Arrays.fill(gw, from * out, to * out, 0f);
            for (int k = from; k < to; k++) {
                int gk = k * out;
                for (int r = 0; r < rows; r++) {
                    float a = x[r * in + k];
                    if (a != 0f) {
                        axpy(a, dy, r * out, gw, gk, out);
                    }
                }
            }
        });
        Arrays.fill(gb, 0f);
        for (int r = 0; r < rows; r++) {
            axpy(1f, dy, r * out, gb, 0, out);
        }
    }

    /**
     * Input gradient dx = dy W^T, masked by {@code mask > 0} when a mask is given (the ReLU that produced x).
     *
     * @param dy rows x out. Not modified.
     * @param w in x out. Not modified.
     * @param mask rows x in (the layer's input after ReLU), or null. Not modified.
     * @param dx receives rows x in. Modified.
     */
    public static void inputGradient(RowParallel par, float[] dy, float[] w, float[] mask, float[] dx, int rows,
            int in, int out) {
        par.forRange(rows, MIN_ROWS_PER_CHUNK, (from, to) -> {
            for (int r = from; r < to; r++) {
                int dyr = r * out;
                for (int k = 0; k < in; k++) {
                    int i = r * in + k;
                    dx[i] = mask != null && mask[i] <= 0f ? 0f : dot(dy, dyr, w, k * out, out);
                }
            }
        });
    }

    // y[yo .. yo+n) += a * x[xo .. xo+n)
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int j = 0; j < n; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    // four accumulators: float sums are not reassociated by the JIT, so independent chains are what runs in parallel
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
        }
        for (; j < n; j++) {
            s0 += a[ao + j] * b[bo + j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
