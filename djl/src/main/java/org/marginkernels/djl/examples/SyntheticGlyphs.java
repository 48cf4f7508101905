package org.marginkernels.djl.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * A synthetic image classification set, so the example needs no download: each class is a fixed random 28 x 28
 * glyph (a few bright strokes), and each sample is its class's glyph shifted by up to 2 pixels plus Gaussian noise.
 *
 * @param images samples x 1 x 28 x 28, float32
 * @param labels samples, float32 class indices
 */
record SyntheticGlyphs(NDArray images, NDArray labels) {

    static final int SIDE = 28;

    /**
     * @param classes number of classes, &gt; 0
     * @param samples number of samples, &gt; 0
     * @param noise standard deviation of the pixel noise, &gt;= 0
     * @param glyphSeed the seed that draws the class glyphs (the same for a training and a test set)
     * @param sampleSeed the seed that draws the samples
     */
    static SyntheticGlyphs generate(NDManager manager, int classes, int samples, double noise, long glyphSeed,
            long sampleSeed) {
        if (classes <= 0 || samples <= 0) {
            throw new IllegalArgumentException("classes and samples must be > 0, got " + classes + " and " + samples);
        }
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        }
        float[][] glyphs = glyphs(classes, new SplittableRandom(glyphSeed));
        SplittableRandom random = new SplittableRandom(sampleSeed);
        float[] pixels = new float[samples * SIDE * SIDE];
        float[] labels = new float[samples];
        for (int s = 0; s < samples; s++) {
            int label = random.nextInt(classes);
            labels[s] = label;
            int dx = random.nextInt(-2, 3);
            int dy = random.nextInt(-2, 3);
            for (int r = 0; r < SIDE; r++) {
                for (int c = 0; c < SIDE; c++) {
                    int sr = Math.floorMod(r - dy, SIDE);
                    int sc = Math.floorMod(c - dx, SIDE);
                    pixels[(s * SIDE + r) * SIDE + c] = glyphs[label][sr * SIDE + sc]
                            + (float) (noise * gaussian(random));
                }
            }
        }
        return new SyntheticGlyphs(manager.create(pixels, new Shape(samples, 1, SIDE, SIDE)),
                manager.create(labels));
    }

    /** Three straight strokes per class between random points, drawn with value 1 on 0. */
    private static float[][] glyphs(int classes, SplittableRandom random) {
        float[][] out = new float[classes][SIDE * SIDE];
        for (float[] glyph : out) {
            for (int stroke = 0; stroke < 3; stroke++) {
                int r0 = random.nextInt(4, SIDE - 4);
                int c0 = random.nextInt(4, SIDE - 4);
                int r1 = random.nextInt(4, SIDE - 4);
                int c1 = random.nextInt(4, SIDE - 4);
                for (int t = 0; t <= 32; t++) {
                    int r = r0 + (r1 - r0) * t / 32;
                    int c = c0 + (c1 - c0) * t / 32;
                    glyph[r * SIDE + c] = 1;
                }
            }
        }
        return out;
    }

    private static double gaussian(SplittableRandom random) {
        return random.nextDouble(-1, 1) + random.nextDouble(-1, 1) + random.nextDouble(-1, 1);
    }
}
