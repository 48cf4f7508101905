package org.marginkernels.examples;

import java.nio.file.Path;
import org.marginkernels.BackendOptions;

/**
 * Everything one training run needs, as parsed by {@link TrainMain}.
 *
 * @param loss the margin loss
 * @param epochs passes over the training set
 * @param batch samples per step
 * @param lr the peak learning rate
 * @param momentum SGD momentum
 * @param weightDecay L2 weight decay on weights (not biases)
 * @param warmupEpochs epochs of linear learning-rate warm-up before the cosine decay
 * @param backend a backend name or "best"
 * @param threads threads for the model and the backend; 0 means all processors
 * @param data fashion-mnist, synthetic or auto
 * @param dataDir where the Fashion-MNIST IDX files are, or null for the Debian location
 * @param seed seeds initialization, shuffling, synthetic data and pair drawing
 * @param hidden hidden layer widths
 * @param embeddingDim the embedding width D
 * @param holdout classes held out for verification; -1 picks 2 (Fashion-MNIST) or a fifth (synthetic)
 * @param identities synthetic identities
 * @param samplesPerIdentity synthetic samples per identity
 * @param inputDim the width of the synthetic samples
 * @param maxTrainSamples use at most this many training samples (0 = all), for quick runs
 * @param pairsPerKind genuine (and impostor) verification pairs
 * @param plotsDir where to write PNG charts, or null
 * @param quiet print only the final summary
 */
public record TrainConfig(LossSettings loss, int epochs, int batch, double lr, double momentum, double weightDecay,
        double warmupEpochs, String backend, int threads, String data, Path dataDir, long seed, int[] hidden,
        int embeddingDim, int holdout, int identities, int samplesPerIdentity, int inputDim, int maxTrainSamples,
        int pairsPerKind, Path plotsDir, boolean quiet) {

    public TrainConfig {
        hidden = hidden.clone();
        positive("epochs", epochs);
        positive("batch", batch);
        positive("embeddingDim", embeddingDim);
        positive("pairsPerKind", pairsPerKind);
        positive("inputDim", inputDim);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("lr must be finite and > 0, got " + lr);
        }
        if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
            throw new IllegalArgumentException("warmupEpochs must be finite and >= 0, got " + warmupEpochs);
        }
        if (threads < 0 || maxTrainSamples < 0) {
            throw new IllegalArgumentException("threads and maxTrainSamples must be >= 0");
        }
        for (int h : hidden) {
            positive("hidden width", h);
        }
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** The thread count with 0 resolved to the processor count, as the backends resolve it. */
    public int resolvedThreads() {
        return BackendOptions.defaults().withThreads(threads).resolvedThreads();
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
