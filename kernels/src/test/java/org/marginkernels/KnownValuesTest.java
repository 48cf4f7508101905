package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-checked cases: one feature on the x axis and classes at known angles, so every cosine is cos(angle) and the
 * expected loss follows from the paper's formula, written out here independently of the spec.
 */
class KnownValuesTest {

    private static final double TOL = 1e-9;
    private final Backend ref = Backends.named("reference");

    @AfterEach
    void close() {
        ref.close();
    }

    /** Class j at angle[j] with norm (j + 1) / 2; one feature (3, 0); label 0. */
    private double loss(MarginSoftmax loss, double... angles) {
        float[] w = new float[2 * angles.length];
        for (int j = 0; j < angles.length; j++) {
            float n = (j + 1) / 2f;
            w[2 * j] = (float) Math.cos(angles[j]) * n;
            w[2 * j + 1] = (float) Math.sin(angles[j]) * n;
        }
        return ref.forward(loss, new float[] {3, 0}, w, new int[] {0}, 2).loss();
    }

    /** The cosine the backend sees for angle a (float storage of cos a, sin a, then normalization in double). */
    private static double cos(double a) {
        double x = (float) Math.cos(a) * 0.5f;
        double y = (float) Math.sin(a) * 0.5f;
        return x / Math.hypot(x, y);
    }

    private static double softplus(double t) {
        return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    }

    private static MarginSoftmax with(Margin m, double s) {
        return MarginSoftmax.builder().margin(m).scale(s).build();
    }

    @Test
    void arcFaceTwoClasses() {
        double a = 0.3;
        double b = 1.2;
        double m = 0.5;
        double c1 = (float) Math.cos(b) / Math.hypot((float) Math.cos(b), (float) Math.sin(b));
        double expected = softplus(64 * (c1 - Math.cos(Math.acos(cos(a)) + m)));
        assertEquals(expected, loss(with(Margins.arcFace(m), 64), a, b), TOL * (1 + expected));
    }

    @Test
    void arcFaceBelowTheThresholdUsesTheLinearFallback() {
        double a = 2.9;
        double b = 1.2;
        double m = 0.5;
        double c1 = (float) Math.cos(b) / Math.hypot((float) Math.cos(b), (float) Math.sin(b));
        double expected = softplus(64 * (c1 - (cos(a) - m * Math.sin(Math.PI - m))));
        assertEquals(expected, loss(with(Margins.arcFace(m), 64), a, b), TOL * (1 + expected));
    }

    @Test
    void cosFaceThreeClasses() {
        double[] angles = {0.7, 1.1, 2.0};
        double m = 0.35;
        double s = 30;
        double z0 = s * (cos(0.7) - m);
        double sum = Math.exp(0);
        for (int j = 1; j < 3; j++) {
            double cj = (float) Math.cos(angles[j]) / Math.hypot((float) Math.cos(angles[j]), (float) Math.sin(angles[j]));
            sum += Math.exp(s * cj - z0);
        }
        assertEquals(Math.log(sum), loss(with(Margins.cosFace(m), s), angles), TOL);
    }

    @Test
    void sphereFaceSecondInterval() {
        // theta = 1.0, m = 4: k = floor(4 / pi) = 1, psi = -cos(4 theta) - 2
        double theta = Math.acos(cos(1.0));
        double psi = -Math.cos(4 * theta) - 2;
        double c1 = (float) Math.cos(1.5) / Math.hypot((float) Math.cos(1.5), (float) Math.sin(1.5));
        double expected = softplus(10 * (c1 - psi));
        assertEquals(expected, loss(with(Margins.sphereFace(4), 10), 1.0, 1.5), 1e-8 * (1 + expected));
    }

    @Test
    void combinedMargin() {
        double c1 = (float) Math.cos(1.3) / Math.hypot((float) Math.cos(1.3), (float) Math.sin(1.3));
        double f = Math.cos(1.5 * Math.acos(cos(0.4)) + 0.2) - 0.1;
        double expected = softplus(20 * (c1 - f));
        assertEquals(expected, loss(with(Margins.combined(1.5, 0.2, 0.1), 20), 0.4, 1.3), TOL * (1 + expected));
    }

    @Test
    void svSoftmaxReweightsOnlyHardNegatives() {
        // target at 1.0 rad with CosFace 0.35: f_y = cos(1.0) - 0.35 ~ 0.19; class 1 (0.9 rad) is hard, class 2 is not
        double t = 1.2;
        double s = 16;
        double fy = cos(1.0) - 0.35;
        double c1 = (float) Math.cos(0.9) / Math.hypot((float) Math.cos(0.9), (float) Math.sin(0.9));
        double c2 = (float) Math.cos(2.5) / Math.hypot((float) Math.cos(2.5), (float) Math.sin(2.5));
        double sum = 1 + Math.exp(s * (t * c1 + t - 1 - fy)) + Math.exp(s * (c2 - fy));
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.cosFace(0.35))
                .negative(NegativeTransform.svSoftmax(t)).scale(s).build();
        assertEquals(Math.log(sum), loss(loss, 1.0, 0.9, 2.5), TOL);
    }

    @Test
    void mvSoftmaxReweightsOnlyHardNegatives() {
        double t = 0.2;
        double s = 16;
        double fy = cos(1.0) - 0.35;
        double c1 = (float) Math.cos(0.9) / Math.hypot((float) Math.cos(0.9), (float) Math.sin(0.9));
        double c2 = (float) Math.cos(2.5) / Math.hypot((float) Math.cos(2.5), (float) Math.sin(2.5));
        double sum = 1 + Math.exp(s * ((t + 1) * c1 + t - fy)) + Math.exp(s * (c2 - fy));
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.cosFace(0.35))
                .negative(NegativeTransform.mvSoftmax(t)).scale(s).build();
        assertEquals(Math.log(sum), loss(loss, 1.0, 0.9, 2.5), TOL);
    }

    @Test
    void focalLoss() {
        double s = 8;
        double c1 = (float) Math.cos(1.2) / Math.hypot((float) Math.cos(1.2), (float) Math.sin(1.2));
        double p = 1 / (1 + Math.exp(s * (c1 - cos(0.6))));
        double expected = -Math.pow(1 - p, 2) * Math.log(p);
        MarginSoftmax loss = MarginSoftmax.builder().focal(2).scale(s).build();
        assertEquals(expected, loss(loss, 0.6, 1.2), TOL * (1 + expected));
    }

    @Test
    void adaCosFixedScale() {
        MarginSoftmax loss = MarginSoftmax.builder().scale(ScalePolicy.adaCosFixed()).build();
        double s = Math.sqrt(2) * Math.log(4 - 1);
        double[] angles = {0.5, 1.0, 1.5, 2.0};
        double z0 = s * cos(0.5);
        double sum = 1;
        for (int j = 1; j < 4; j++) {
            double cj = (float) Math.cos(angles[j]) / Math.hypot((float) Math.cos(angles[j]), (float) Math.sin(angles[j]));
            sum += Math.exp(s * cj - z0);
        }
        assertEquals(Math.log(sum), loss(loss, angles), TOL);
    }

    @Test
    void adaCosDynamicScaleFollowsThePaper() {
        // two rows, three classes, s_prev = sqrt(2) log 2; B_avg and the median computed directly
        float[] w = {1, 0, 0, 1, -1, 0};
        float[] x = {(float) Math.cos(0.2), (float) Math.sin(0.2), (float) Math.cos(1.3), (float) Math.sin(1.3)};
        int[] y = {0, 1};
        double sPrev = Math.sqrt(2) * Math.log(2);
        double[][] c = new double[2][3];
        for (int i = 0; i < 2; i++) {
            double n = Math.hypot(x[2 * i], x[2 * i + 1]);
            for (int j = 0; j < 3; j++) {
                c[i][j] = (x[2 * i] * w[2 * j] + x[2 * i + 1] * w[2 * j + 1]) / n;
            }
        }
        double bAvg = (Math.exp(sPrev * c[0][1]) + Math.exp(sPrev * c[0][2]) + Math.exp(sPrev * c[1][0])
                + Math.exp(sPrev * c[1][2])) / 2;
        // lower median of the two target angles acos(c_00) ~ 0.2 and acos(c_11) ~ 0.27
        double median = Math.min(Math.acos(c[0][0]), Math.acos(c[1][1]));
        double s = Math.log(bAvg) / Math.cos(Math.min(Math.PI / 4, median));
        MarginSoftmax loss = MarginSoftmax.builder().scale(ScalePolicy.adaCosDynamic()).build();
        StepResult step = ref.step(loss, LossState.empty(), x, w, y, 2, null, null);
        LossResult r = step.result();
        assertEquals(s, r.scale(), 1e-12);
        assertEquals(r.loss(), ref.forward(loss, x, w, y, 2).loss(), 0, "a first step is the stateless call");
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                sum += Math.exp(s * (c[i][j] - c[i][y[i]]));
            }
            expected += Math.log(sum) / 2;
        }
        assertEquals(expected, r.loss(), 1e-7);
        assertEquals(r.scale(), step.state().get("adacos.previous-scale", Double.NaN), 0);
        assertEquals(new ScalePolicy.AdaCosDynamic(r.scale()), loss.bind(step.state()).scalePolicy());
    }

    @Test
    void ignoredRowsCountForNothingAndSumIsCountTimesMean() {
        float[] w = {1, 0, 0, 1, -1, 0.5f};
        float[] x = {2, 1, 0.5f, 3, -1, -1};
        MarginSoftmax mean = MarginSoftmax.builder().margin(Margins.arcFace(0.4)).scale(10).build();
        MarginSoftmax sum = mean.toBuilder().reduction(Reduction.SUM).build();
        float[] gx = new float[6];
        LossResult all = ref.forward(mean, x, w, new int[] {0, 1, 2}, 2);
        LossResult two = ref.forwardBackward(mean, x, w, new int[] {0, -1, 2}, 2, gx, null);
        LossResult first = ref.forward(mean, new float[] {2, 1}, w, new int[] {0}, 2);
        LossResult last = ref.forward(mean, new float[] {-1, -1}, w, new int[] {2}, 2);
        assertEquals(2, two.rows());
        assertEquals((first.loss() + last.loss()) / 2, two.loss(), 1e-12);
        assertEquals(0f, gx[2]);
        assertEquals(0f, gx[3]);
        assertEquals(3 * all.loss(), ref.forward(sum, x, w, new int[] {0, 1, 2}, 2).loss(), 1e-12);
        assertEquals(0, ref.forward(mean, x, w, new int[] {-1, -1, -1}, 2).loss());
    }
}
