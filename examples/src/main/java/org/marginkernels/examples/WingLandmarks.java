package org.marginkernels.examples;

import java.io.PrintStream;
import java.util.Locale;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.RegressionLoss;
import org.marginkernels.WingLoss;

/**
 * Landmark regression with the Wing loss (Feng et al., CVPR 2018): a linear regressor from noisy face parameters to
 * five landmarks ({@link SyntheticLandmarks}, 10% grossly wrong annotations), trained by minibatch SGD once with
 * {@code Backend.regressionLoss(WingLoss.defaults(), ...)} and once with L2 (half the squared error, computed here),
 * printing the loss per epoch and the test normalized mean error (NME, per inter-ocular distance). Usage:
 * {@code WingLandmarks [backend] [epochs]} (defaults: best, 40).
 */
public final class WingLandmarks {

    private static final int TRAIN = 2000;
    private static final int TEST = 500;
    private static final int BATCH = 32;

    private WingLandmarks() {
    }

    /** The test NME before and after training with each loss. */
    record Result(double initialNme, double wingNme, double l2Nme) {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "best";
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        try (Backend b = backend.equals("best") ? Backends.best() : Backends.named(backend)) {
            run(b, epochs, System.out);
        }
    }

    static Result run(Backend backend, int epochs, PrintStream out) {
        SyntheticLandmarks train = SyntheticLandmarks.generate(TRAIN, 0.1, 1);
        SyntheticLandmarks test = SyntheticLandmarks.generate(TEST, 0, 2);
        out.printf(Locale.ROOT, "landmark regression on %s: %d training faces (10%% outliers), %d test faces%n",
                backend.name(), TRAIN, TEST);
        double initial = SyntheticLandmarks.normalizedMeanError(new LinearRegressor().predict(test.inputs()),
                test.truth());
        out.printf(Locale.ROOT, "untrained NME %.4f%n", initial);
        double wing = train(backend, WingLoss.defaults(), train, test, epochs, out);
        double l2 = train(backend, null, train, test, epochs, out);
        out.printf(Locale.ROOT, "final test NME: wing %.4f, L2 %.4f%n", wing, l2);
        return new Result(initial, wing, l2);
    }

    /** Trains a fresh regressor with {@code loss} (null: L2) and returns its test NME. */
    private static double train(Backend backend, RegressionLoss loss, SyntheticLandmarks train,
            SyntheticLandmarks test, int epochs, PrintStream out) {
        String name = loss == null ? "L2" : "wing";
        // Wing's gradient is bounded by w / epsilon = 5; L2's grows with the residual: each gets its own step
        double rate = loss == null ? 3e-3 : 1e-1;
        LinearRegressor model = new LinearRegressor();
        float[] x = new float[BATCH * SyntheticLandmarks.INPUTS];
        float[] y = new float[BATCH * SyntheticLandmarks.COORDINATES];
        float[] grad = new float[y.length];
        int steps = train.samples() / BATCH;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double total = 0;
            for (int s = 0; s < steps; s++) {
                System.arraycopy(train.inputs(), s * x.length, x, 0, x.length);
                System.arraycopy(train.landmarks(), s * y.length, y, 0, y.length);
                float[] predicted = model.predict(x);
                total += loss == null ? l2(predicted, y, grad)
                        : backend.regressionLoss(loss, predicted, y, SyntheticLandmarks.COORDINATES, grad);
                model.step(x, grad, rate);
            }
            if (epoch == 1 || epoch % 10 == 0 || epoch == epochs) {
                out.printf(Locale.ROOT, "%-4s epoch %3d  loss %10.4f  test NME %.4f%n", name, epoch, total / steps,
                        SyntheticLandmarks.normalizedMeanError(model.predict(test.inputs()), test.truth()));
            }
        }
        return SyntheticLandmarks.normalizedMeanError(model.predict(test.inputs()), test.truth());
    }

    /** Half the squared error summed over coordinates, mean over samples; grad receives its gradient. */
    private static double l2(float[] predicted, float[] y, float[] grad) {
        int samples = y.length / SyntheticLandmarks.COORDINATES;
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            double r = (double) predicted[i] - y[i];
            sum += 0.5 * r * r;
            grad[i] = (float) (r / samples);
        }
        return sum / samples;
    }

    /** landmarks = W inputs + b, W of COORDINATES x INPUTS, zero-initialized. */
    private static final class LinearRegressor {

        private final double[] weights = new double[SyntheticLandmarks.COORDINATES * SyntheticLandmarks.INPUTS];
        private final double[] bias = new double[SyntheticLandmarks.COORDINATES];

        float[] predict(float[] inputs) {
            int samples = inputs.length / SyntheticLandmarks.INPUTS;
            float[] out = new float[samples * SyntheticLandmarks.COORDINATES];
            for (int i = 0; i < samples; i++) {
                for (int c = 0; c < SyntheticLandmarks.COORDINATES; c++) {
                    double v = bias[c];
                    for (int k = 0; k < SyntheticLandmarks.INPUTS; k++) {
                        v += weights[c * SyntheticLandmarks.INPUTS + k] * inputs[i * SyntheticLandmarks.INPUTS + k];
                    }
                    out[i * SyntheticLandmarks.COORDINATES + c] = (float) v;
                }
            }
            return out;
        }

        /** Plain SGD: the gradient of a linear map from dL/dpredictions (already reduced over the batch). */
        void step(float[] inputs, float[] grad, double rate) {
            int samples = inputs.length / SyntheticLandmarks.INPUTS;
            for (int i = 0; i < samples; i++) {
                for (int c = 0; c < SyntheticLandmarks.COORDINATES; c++) {
                    double g = grad[i * SyntheticLandmarks.COORDINATES + c];
                    bias[c] -= rate * g;
                    for (int k = 0; k < SyntheticLandmarks.INPUTS; k++) {
                        weights[c * SyntheticLandmarks.INPUTS + k] -= rate * g
                                * inputs[i * SyntheticLandmarks.INPUTS + k];
                    }
                }
            }
        }
    }
}
