package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The MLP's backward against central finite differences of the scalar L = sum_ij c_ij out_ij (so dL/dout = c), on
 * a few coordinates of every parameter.
 */
class MlpGradientTest {

    private static final int ROWS = 5;
    private static final int[] SIZES = {6, 9, 7, 4};
    // step of the central difference: L is piecewise linear in each single parameter, so the difference is exact
    // away from ReLU kinks; a float forward of O(1) values carries ~1e-6 absolute error, divided by 2h = 2e-2
    private static final float H = 1e-2f;
    private static final double TOLERANCE = 2e-3;

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(7);
        float[] input = new float[ROWS * SIZES[0]];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        float[] c = new float[ROWS * SIZES[SIZES.length - 1]];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) random.nextGaussian();
        }
        try (RowParallel par = new RowParallel(2)) {
            Mlp mlp = new Mlp(SIZES, 11, par);
            mlp.forward(input, ROWS);
            mlp.backward(c);
            int checked = 0;
            int skipped = 0;
            for (Parameter p : mlp.parameters()) {
                float[] analytic = p.grad().clone();
                for (int trial = 0; trial < 6; trial++) {
                    int i = random.nextInt(p.value().length);
                    float saved = p.value()[i];
                    p.value()[i] = saved + H;
                    double plus = loss(mlp, input, c);
                    double mid = loss(mlp, input, c, saved, p, i);
                    p.value()[i] = saved - H;
                    double minus = loss(mlp, input, c);
                    p.value()[i] = saved;
                    // a kink inside [-h, h] shows as a one-sided difference that disagrees with the other side
                    double right = (plus - mid) / H;
                    double left = (mid - minus) / H;
                    if (Math.abs(right - left) > TOLERANCE) {
                        skipped++;
                        continue;
                    }
                    double numeric = (plus - minus) / (2 * H);
                    assertEquals(numeric, analytic[i], TOLERANCE * Math.max(1, Math.abs(numeric)),
                            p.name() + "[" + i + "]");
                    checked++;
                }
            }
            assertTrue(checked >= 30 && skipped <= 6, "checked " + checked + " coordinates, skipped " + skipped
                    + " at ReLU kinks");
        }
    }

    @Test
    void zeroOutputGradientGivesZeroParameterGradients() {
        try (RowParallel par = new RowParallel(1)) {
            Mlp mlp = new Mlp(SIZES, 3, par);
            float[] input = new float[2 * SIZES[0]];
            Arrays.fill(input, 0.5f);
            mlp.forward(input, 2);
            mlp.backward(new float[2 * SIZES[SIZES.length - 1]]);
            for (Parameter p : mlp.parameters()) {
                for (float g : p.grad()) {
                    assertEquals(0f, g, p.name());
                }
            }
        }
    }

    private static double loss(Mlp mlp, float[] input, float[] c) {
        float[] out = mlp.forward(input, ROWS);
        double l = 0;
        for (int i = 0; i < out.length; i++) {
            l += (double) c[i] * out[i];
        }
        return l;
    }

    private static double loss(Mlp mlp, float[] input, float[] c, float value, Parameter p, int i) {
        p.value()[i] = value;
        return loss(mlp, input, c);
    }
}
