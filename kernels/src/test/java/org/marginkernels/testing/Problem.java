package org.marginkernels.testing;

import java.util.Random;

/**
 * A random margin-softmax problem: raw features, raw class weights, labels. Rows are drawn so that the interesting
 * cosine ranges occur: some features copy (or negate) their class weight, giving cosines near +1 (or -1).
 *
 * @param features batch x dim raw features
 * @param weights classes x dim raw class weights
 * @param labels class per row (or -1 where ignored)
 * @param dim embedding dimension
 */
public record Problem(float[] features, float[] weights, int[] labels, int dim) {

    public int batch() {
        return labels.length;
    }

    public int classes() {
        return weights.length / dim;
    }

    /**
     * A random problem from a seeded generator.
     *
     * @param extremeFraction fraction of rows that copy (+) or negate (-) their class weight, scaled by a random
     *        factor, so their target cosine is within float rounding of +1 or -1
     * @param ignoreFraction fraction of rows labelled -1
     */
    public static Problem random(long seed, int batch, int dim, int classes, double extremeFraction,
            double ignoreFraction) {
        Random r = new Random(seed);
        float[] w = new float[classes * dim];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (0.5 + r.nextDouble()));
        }
        float[] x = new float[batch * dim];
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
            double u = r.nextDouble();
            float rowScale = (float) (0.1 + 3 * r.nextDouble());
            for (int k = 0; k < dim; k++) {
                float wk = w[y[i] * dim + k];
                x[i * dim + k] = u < extremeFraction / 2 ? wk * rowScale
                        : u < extremeFraction ? -wk * rowScale
                        : (float) (r.nextGaussian() * rowScale + 0.5 * wk);
            }
            if (r.nextDouble() < ignoreFraction) {
                y[i] = -1;
            }
        }
        return new Problem(x, w, y, dim);
    }

    /** Deep copies, for tests that must show an input was not modified. */
    public Problem copy() {
        return new Problem(features.clone(), weights.clone(), labels.clone(), dim);
    }
}
