package org.marginkernels.examples;

import java.util.Random;

/**
 * Synthetic faces for landmark regression: five landmarks (eye centres, nose tip, mouth corners) of a fixed template,
 * placed by random face parameters (scale, in-plane rotation, translation) in pixel units, with Gaussian annotation
 * noise and a fraction of grossly wrong annotations (outliers, which Wing loss is designed to tolerate). A model sees
 * noisy measurements of the face parameters plus distractor inputs.
 *
 * @param inputs samples x {@link #INPUTS} model inputs
 * @param landmarks samples x {@link #COORDINATES} annotated coordinates (x0, y0, x1, y1, ...), outliers included
 * @param truth samples x {@link #COORDINATES} true coordinates, for the error
 */
record SyntheticLandmarks(float[] inputs, float[] landmarks, float[] truth) {

    /** 5 landmarks x 2. */
    static final int COORDINATES = 10;
    /** Four face-parameter measurements and four distractors. */
    static final int INPUTS = 8;
    private static final double[] TEMPLATE = {-30, -25, 30, -25, 0, 5, -22, 30, 22, 30};

    static SyntheticLandmarks generate(int samples, double outlierFraction, long seed) {
        Random random = new Random(seed);
        float[] inputs = new float[samples * INPUTS];
        float[] landmarks = new float[samples * COORDINATES];
        float[] truth = new float[samples * COORDINATES];
        for (int i = 0; i < samples; i++) {
            double s = 0.8 + 0.4 * random.nextDouble();
            double angle = 0.6 * (random.nextDouble() - 0.5);
            double a = s * Math.cos(angle);
            double b = s * Math.sin(angle);
            double tx = 40 * (random.nextDouble() - 0.5);
            double ty = 40 * (random.nextDouble() - 0.5);
            double[] params = {a, b, tx / 20, ty / 20};
            for (int k = 0; k < 4; k++) {
                inputs[i * INPUTS + k] = (float) (params[k] + 0.01 * random.nextGaussian());
                inputs[i * INPUTS + 4 + k] = (float) random.nextGaussian();
            }
            boolean outlier = random.nextDouble() < outlierFraction;
            for (int l = 0; l < 5; l++) {
                double px = TEMPLATE[2 * l];
                double py = TEMPLATE[2 * l + 1];
                double x = a * px - b * py + tx;
                double y = b * px + a * py + ty;
                int o = i * COORDINATES + 2 * l;
                truth[o] = (float) x;
                truth[o + 1] = (float) y;
                double noise = outlier ? 40 : 1;
                landmarks[o] = (float) (x + noise * random.nextGaussian());
                landmarks[o + 1] = (float) (y + noise * random.nextGaussian());
            }
        }
        return new SyntheticLandmarks(inputs, landmarks, truth);
    }

    int samples() {
        return truth.length / COORDINATES;
    }

    /**
     * The normalized mean error: per sample, the mean Euclidean landmark error divided by the true inter-ocular
     * distance (landmarks 0 and 1), averaged over samples.
     */
    static double normalizedMeanError(float[] predicted, float[] truth) {
        int samples = truth.length / COORDINATES;
        double total = 0;
        for (int i = 0; i < samples; i++) {
            int o = i * COORDINATES;
            double ocular = Math.hypot(truth[o + 2] - truth[o], truth[o + 3] - truth[o + 1]);
            double error = 0;
            for (int l = 0; l < 5; l++) {
                error += Math.hypot(predicted[o + 2 * l] - truth[o + 2 * l],
                        predicted[o + 2 * l + 1] - truth[o + 2 * l + 1]);
            }
            total += error / 5 / ocular;
        }
        return total / samples;
    }
}
