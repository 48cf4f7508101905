package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The loop kernels against naive double-precision triple loops, single- and multi-threaded. */
class DenseKernelsTest {

    // float sums of up to ~40 products of values in [-1, 1] against double: 1e-5 absolute is ~100 ulps at 1.0
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "rows={0} in={1} out={2} threads={3}")
    @CsvSource({"1, 1, 1, 1", "3, 5, 7, 1", "17, 13, 9, 3", "33, 40, 31, 2", "8, 1, 16, 4"})
    void matchNaiveLoops(int rows, int in, int out, int threads) {
        SplittableRandom random = new SplittableRandom(rows * 1000L + in * 10L + out);
        float[] x = randomSparse(random, rows * in);
        float[] w = randomSparse(random, in * out);
        float[] b = randomSparse(random, out);
        float[] dy = randomSparse(random, rows * out);
        float[] y = new float[rows * out];
        float[] gw = new float[in * out];
        float[] gb = new float[out];
        float[] dx = new float[rows * in];
        try (RowParallel par = new RowParallel(threads)) {
            DenseKernels.forward(par, x, w, b, y, rows, in, out);
            DenseKernels.weightGradient(par, x, dy, gw, gb, rows, in, out);
            DenseKernels.inputGradient(par, dy, w, x, dx, rows, in, out);
        }
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int k = 0; k < in; k++) {
                    s += (double) x[r * in + k] * w[k * out + o];
                }
                assertEquals(s, y[r * out + o], TOLERANCE, "y[" + r + "," + o + "]");
            }
        }
        for (int k = 0; k < in; k++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int r = 0; r < rows; r++) {
                    s += (double) x[r * in + k] * dy[r * out + o];
                }
                assertEquals(s, gw[k * out + o], TOLERANCE, "gw[" + k + "," + o + "]");
            }
        }
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += dy[r * out + o];
            }
            assertEquals(s, gb[o], TOLERANCE, "gb[" + o + "]");
        }
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < in; k++) {
                double s = 0;
                for (int o = 0; o < out; o++) {
                    s += (double) dy[r * out + o] * w[k * out + o];
                }
                double expected = x[r * in + k] <= 0 ? 0 : s;
                assertEquals(expected, dx[r * in + k], TOLERANCE, "dx[" + r + "," + k + "]");
            }
        }
    }

    // uniform in [-1, 1] with a quarter exact zeros, to exercise the skipped-zero paths
    private static float[] randomSparse(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextInt(4) == 0 ? 0f : (float) (2 * random.nextDouble() - 1);
        }
        return a;
    }
}
