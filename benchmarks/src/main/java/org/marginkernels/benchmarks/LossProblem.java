package org.marginkernels.benchmarks;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The inputs and gradient buffers of one margin-loss step, filled from a seed: features and weights uniform in
 * [-1, 1) per component (raw, not normalized), labels uniform over the classes. The same seed gives the same
 * problem in every benchmark, test and probe.
 */
public final class LossProblem {

    /** The seed every benchmark uses. */
    public static final long SEED = 20_190_601L;

    private final Shape shape;
    private final float[] features;
    private final float[] weights;
    private final int[] labels;
    private final float[] featureGrad;
    private final float[] weightGrad;

    private LossProblem(Shape shape, float[] features, float[] weights, int[] labels) {
        this.shape = shape;
        this.features = features;
        this.weights = weights;
        this.labels = labels;
        this.featureGrad = new float[features.length];
        this.weightGrad = new float[weights.length];
    }

    /**
     * A random problem of that shape; large weight matrices are filled in parallel, one independent stream per
     * block of rows, so the content depends on the seed only.
     */
    public static LossProblem random(Shape shape, long seed) {
        return random(shape, 1, seed);
    }

    /**
     * {@link #random(Shape, long)} for a loss of {@code subCenters} sub-centers per class: shape.classes() x
     * subCenters weight rows, labels below shape.classes().
     */
    public static LossProblem random(Shape shape, int subCenters, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        float[] features = uniform(shape.batch(), shape.dim(), root.split());
        float[] weights = uniform(Math.multiplyExact(shape.classes(), subCenters), shape.dim(), root.split());
        SplittableRandom labelRandom = root.split();
        int[] labels = new int[shape.batch()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labelRandom.nextInt(shape.classes());
        }
        return new LossProblem(shape, features, weights, labels);
    }

    private static float[] uniform(int rows, int dim, SplittableRandom random) {
        float[] out = new float[Math.multiplyExact(rows, dim)];
        int blockRows = 4096;
        int blocks = (rows + blockRows - 1) / blockRows;
        long[] seeds = new long[blocks];
        for (int b = 0; b < blocks; b++) {
            seeds[b] = random.nextLong();
        }
        IntStream.range(0, blocks).parallel().forEach(b -> {
            SplittableRandom r = new SplittableRandom(seeds[b]);
            int end = Math.min(rows, (b + 1) * blockRows) * dim;
            for (int k = b * blockRows * dim; k < end; k++) {
                out[k] = (float) (2 * r.nextDouble() - 1);
            }
        });
        return out;
    }

    public Shape shape() {
        return shape;
    }

    /** Raw features, batch x dim. Callers must not modify it. */
    public float[] features() {
        return features;
    }

    /** Raw class weights, classes x dim. Callers must not modify it. */
    public float[] weights() {
        return weights;
    }

    /** One label per row in [0, classes). Callers must not modify it. */
    public int[] labels() {
        return labels;
    }

    /** The buffer for dL/dfeatures, batch x dim; overwritten by each backward pass. */
    public float[] featureGrad() {
        return featureGrad;
    }

    /** The buffer for dL/dweights, classes x dim; overwritten by each backward pass. */
    public float[] weightGrad() {
        return weightGrad;
    }
}
