package org.marginkernels.testsupport;

import java.util.Random;
import org.marginkernels.MarginSoftmax;

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

    /** The weight rows: the class count times the sub-centers per class. */
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
        return random(seed, batch, dim, classes, 1, extremeFraction, ignoreFraction);
    }

    /** A random problem for {@code loss}: {@link #random(long, int, int, int, int, double, double)} with its K. */
    public static Problem forLoss(MarginSoftmax loss, long seed, int batch, int dim, int classes,
            double extremeFraction, double ignoreFraction) {
        return random(seed, batch, dim, classes, loss.subCenters(), extremeFraction, ignoreFraction);
    }

    /**
     * A random problem for a loss of {@code subCenters} sub-centers per class: classes x subCenters weight rows,
     * each feature drawn around one of its class's sub-centers (picked at random), so the nearest sub-center varies
     * by row. With one sub-center it is {@link #random(long, int, int, int, double, double)}, draw for draw.
     */
    public static Problem random(long seed, int batch, int dim, int classes, int subCenters, double extremeFraction,
            double ignoreFraction) {
        Random r = new Random(seed);
        float[] w = new float[classes * subCenters * dim];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (0.5 + r.nextDouble()));
        }
        float[] x = new float[batch * dim];
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
            int center = y[i] * subCenters + (subCenters == 1 ? 0 : r.nextInt(subCenters));
            double u = r.nextDouble();
            float rowScale = (float) (0.1 + 3 * r.nextDouble());
            for (int k = 0; k < dim; k++) {
                float wk = w[center * dim + k];
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
