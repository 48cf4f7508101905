package org.marginkernels.testsupport;

import java.util.SplittableRandom;
import org.marginkernels.Backend;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.ScalePolicy;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.Kinks;
import org.marginkernels.spi.RowCheck;
import org.marginkernels.testing.FiniteDifferences;
import org.marginkernels.testing.Tolerance;

/**
 * Finite-difference checks of a backend's loss gradient with respect to the raw inputs, with the testing artifact's
 * {@link FiniteDifferences} (Richardson-extrapolated central differences over inputs on the 2^-6 grid).
 */
public final class GradientCheck {

    private static final float H = 1f / 4096;

    private GradientCheck() {
    }

    /** A small problem on the 2^-6 grid with row norms of at least 0.5 (so the normalizations stay smooth). */
    public static Problem gridProblem(long seed, int batch, int dim, int classes) {
        return gridProblem(seed, batch, dim, classes, 1);
    }

    /** {@link #gridProblem(long, int, int, int)} with classes x subCenters weight rows. */
    public static Problem gridProblem(long seed, int batch, int dim, int classes, int subCenters) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = FiniteDifferences.gridValues(r, batch * dim, dim);
        float[] w = FiniteDifferences.gridValues(r, classes * subCenters * dim, dim);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
        }
        return new Problem(x, w, y, dim);
    }

    /**
     * The smallest distance of any kink-relevant quantity from its kink: target cosines from the target's thresholds,
     * non-target cosines from the row's margined target (where a negative transform switches branch), and for a
     * loss of K &gt; 1 sub-centers the gap between each class's two largest sub-center cosines (where the max
     * switches sub-center).
     */
    public static double distanceToKinks(MarginSoftmax loss, Backend backend, Problem p) {
        int sub = loss.subCenters();
        int classes = p.classes() / sub;
        float[] raw = new float[p.batch() * p.classes()];
        backend.cosineLogits(p.features(), p.weights(), p.dim(), raw);
        float[] cos = new float[p.batch() * classes];
        double d = Double.POSITIVE_INFINITY;
        for (int e = 0; e < cos.length; e++) {
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < sub; k++) {
                float c = raw[e * sub + k];
                second = Math.max(second, Math.min(first, c));
                first = Math.max(first, c);
            }
            cos[e] = first;
            d = Math.min(d, first - second);
        }
        KernelSpec spec = loss.spec();
        for (int i = 0; i < p.batch(); i++) {
            int y = p.labels()[i];
            if (y < 0) {
                continue;
            }
            double cy = cos[i * classes + y];
            for (double k : Kinks.of(spec.target())) {
                d = Math.min(d, Math.abs(cy - k));
            }
            if (spec.hasNegative()) {
                double fy = spec.target(cy, Math.sqrt(RowCheck.sumOfSquares(p.features(), i * p.dim(), p.dim())),
                        loss.rowMargin(i));
                for (int j = 0; j < classes; j++) {
                    if (j != y) {
                        d = Math.min(d, Math.abs(cos[i * classes + j] - fy));
                    }
                }
            }
        }
        return d;
    }

    /**
     * The backend's gradients of {@code loss} against central finite differences of its forward loss, within 2e-5
     * of the largest numeric entry (plus 1e-9) and 1e-4 relative.
     */
    public static void assertGradientsMatchFiniteDifferences(Backend backend, MarginSoftmax loss, Problem p) {
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        backend.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), gx, gw);
        float[][] numeric = numericGradients(backend, loss, p);
        double scale = Math.max(Tolerance.maxAbs(numeric[0]), Tolerance.maxAbs(numeric[1]));
        Tolerance.assertClose("dL/dfeatures", numeric[0], gx, 2e-5 * scale + 1e-9, 1e-4);
        Tolerance.assertClose("dL/dweights", numeric[1], gw, 2e-5 * scale + 1e-9, 1e-4);
    }

    /** For dynamic AdaCos the scale is a constant of the backward pass: the same loss with the scale frozen. */
    public static MarginSoftmax frozenScale(MarginSoftmax loss, LossResult at) {
        return loss.scalePolicy() instanceof ScalePolicy.AdaCosDynamic
                ? loss.toBuilder().scale(at.scale()).build() : loss;
    }

    /** Richardson-extrapolated central differences of the loss w.r.t. every feature and weight element. */
    public static float[][] numericGradients(Backend backend, MarginSoftmax loss, Problem p) {
        float[] x = p.features().clone();
        float[] w = p.weights().clone();
        double[] gx = FiniteDifferences.gradient(v -> backend.forward(loss, v, w, p.labels(), p.dim()).loss(), x, H);
        double[] gw = FiniteDifferences.gradient(v -> backend.forward(loss, x, v, p.labels(), p.dim()).loss(), w, H);
        return new float[][] {toFloat(gx), toFloat(gw)};
    }

    private static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }
}
