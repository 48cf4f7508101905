package org.marginkernels.shard;

import java.util.SplittableRandom;

/**
 * A seeded random problem: raw features and class weights (norms near 1, some far from it) and labels with a few
 * ignored rows.
 */
record Problem(float[] features, float[] weights, int[] labels, int dim, int classes) {

    static Problem random(long seed, int batch, int classes, int dim, int subCenters, int ignore) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] features = new float[batch * dim];
        for (int i = 0; i < features.length; i++) {
            // row norms from about 1 to 90: MagFace regularizes norms in [10, 110] only
            features[i] = (float) (random.nextGaussian() * (1 + (i / dim) % 5 * 8));
        }
        float[] weights = new float[classes * subCenters * dim];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 11 == 5 ? ignore : random.nextInt(classes);
        }
        return new Problem(features, weights, labels, dim, classes);
    }

    int batch() {
        return labels.length;
    }
}
