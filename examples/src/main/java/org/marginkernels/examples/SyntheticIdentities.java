package org.marginkernels.examples;

import java.util.SplittableRandom;

/**
 * A synthetic face-recognition-like set with many classes ("identities"): each identity is a random point on the
 * unit sphere of a small latent space, each of its samples that point plus Gaussian noise, renormalized (a von
 * Mises-Fisher-like cloud), and every latent sample is mapped into input space by one fixed random linear map plus
 * independent per-value noise. Deterministic for a seed.
 *
 * @param identities the number of classes
 * @param samplesPerIdentity samples drawn for each class
 * @param testPerIdentity of those, how many go to the test part (the rest to the train part)
 * @param latentDim the sphere's dimension
 * @param inputDim the width of the generated vectors (784 matches Fashion-MNIST)
 * @param latentNoise standard deviation of the latent noise, relative to the unit radius
 * @param inputNoise standard deviation of the per-value noise in input space (the mapped signal has unit variance)
 */
public record SyntheticIdentities(int identities, int samplesPerIdentity, int testPerIdentity, int latentDim,
        int inputDim, double latentNoise, double inputNoise) {

    public SyntheticIdentities {
        if (identities < 4 || samplesPerIdentity < 2 || testPerIdentity < 1 || testPerIdentity >= samplesPerIdentity
                || latentDim < 2 || inputDim < 1 || !(latentNoise >= 0) || !(inputNoise >= 0)) {
            throw new IllegalArgumentException("need identities >= 4, samplesPerIdentity >= 2, 1 <= testPerIdentity"
                    + " < samplesPerIdentity, latentDim >= 2, inputDim >= 1 and non-negative noise");
        }
    }

    /** 2000 identities x 20 samples (4 for testing), a 32-d sphere, 784-d inputs. */
    public static SyntheticIdentities defaults() {
        return new SyntheticIdentities(2000, 20, 4, 32, 784, 0.75, 1.0);
    }

    /** The same generator with another identity count and samples per identity. */
    public SyntheticIdentities withSize(int newIdentities, int newSamplesPerIdentity, int newTestPerIdentity) {
        return new SyntheticIdentities(newIdentities, newSamplesPerIdentity, newTestPerIdentity, latentDim, inputDim,
                latentNoise, inputNoise);
    }

    /** The same generator with samples of another width. */
    public SyntheticIdentities withInputDim(int newInputDim) {
        return new SyntheticIdentities(identities, samplesPerIdentity, testPerIdentity, latentDim, newInputDim,
                latentNoise, inputNoise);
    }

    /** The train part (first samples of each identity) and the test part (the last {@code testPerIdentity}). */
    public Dataset[] generate(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] centers = new double[identities * latentDim];
        for (int k = 0; k < identities; k++) {
            gaussianUnit(random, centers, k * latentDim, latentDim);
        }
        // unit-variance output per value: entries N(0, 1) times a unit latent vector
        double[] map = new double[inputDim * latentDim];
        for (int i = 0; i < map.length; i++) {
            map[i] = random.nextGaussian();
        }
        int trainPer = samplesPerIdentity - testPerIdentity;
        float[] trainX = new float[identities * trainPer * inputDim];
        int[] trainY = new int[identities * trainPer];
        float[] testX = new float[identities * testPerIdentity * inputDim];
        int[] testY = new int[identities * testPerIdentity];
        double[] z = new double[latentDim];
        double latentStd = latentNoise / Math.sqrt(latentDim);
        for (int k = 0; k < identities; k++) {
            for (int s = 0; s < samplesPerIdentity; s++) {
                for (int d = 0; d < latentDim; d++) {
                    z[d] = centers[k * latentDim + d] + latentStd * random.nextGaussian();
                }
                normalize(z);
                boolean train = s < trainPer;
                int row = train ? k * trainPer + s : k * testPerIdentity + (s - trainPer);
                float[] x = train ? trainX : testX;
                (train ? trainY : testY)[row] = k;
                for (int i = 0; i < inputDim; i++) {
                    double v = 0;
                    for (int d = 0; d < latentDim; d++) {
                        v += map[i * latentDim + d] * z[d];
                    }
                    x[row * inputDim + i] = (float) (v + inputNoise * random.nextGaussian());
                }
            }
        }
        String name = "synthetic " + identities + " identities";
        return new Dataset[] {new Dataset(name, trainX, trainY, inputDim, identities),
                new Dataset(name, testX, testY, inputDim, identities)};
    }

    // a uniform direction: a standard Gaussian vector, normalized
    private static void gaussianUnit(SplittableRandom random, double[] out, int offset, int n) {
        double norm = 0;
        for (int d = 0; d < n; d++) {
            double g = random.nextGaussian();
            out[offset + d] = g;
            norm += g * g;
        }
        double inv = 1 / Math.sqrt(norm);
        for (int d = 0; d < n; d++) {
            out[offset + d] *= inv;
        }
    }

    private static void normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        double inv = 1 / Math.sqrt(norm);
        for (int d = 0; d < v.length; d++) {
            v[d] *= inv;
        }
    }
}
