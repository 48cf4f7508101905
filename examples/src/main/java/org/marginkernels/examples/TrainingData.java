package org.marginkernels.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** Resolves {@code --data} to an open-set split: Fashion-MNIST when installed, else the synthetic identities. */
public final class TrainingData {

    /** Fashion-MNIST classes held out by default: 8 (Bag) and 9 (Ankle boot). */
    public static final int FASHION_HOLDOUT = 2;

    private TrainingData() {
    }

    /**
     * Loads the data {@code config.data()} names; "auto" takes Fashion-MNIST if found and otherwise prints the
     * install hint and generates the synthetic set.
     *
     * @param log receives the hint, never null
     * @throws IllegalArgumentException for an unknown data name, or fashion-mnist asked for but absent
     * @throws UncheckedIOException if the Fashion-MNIST files exist but cannot be read
     */
    public static OpenSetSplit load(TrainConfig config, PrintStream log) {
        String data = config.data();
        Optional<Path> fashion = switch (data) {
            case "fashion-mnist", "auto" -> FashionMnist.locate(config.dataDir());
            case "synthetic" -> Optional.empty();
            default -> throw new IllegalArgumentException("data must be fashion-mnist, synthetic or auto, got '"
                    + data + "'");
        };
        if (fashion.isPresent()) {
            try {
                Dataset[] parts = FashionMnist.load(fashion.get());
                int holdout = config.holdout() < 0 ? FASHION_HOLDOUT : config.holdout();
                return limit(OpenSetSplit.holdLastClasses(parts[0], parts[1], holdout), config.maxTrainSamples());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Fashion-MNIST from " + fashion.get(), e);
            }
        }
        if (data.equals("fashion-mnist")) {
            throw new IllegalArgumentException(FashionMnist.installHint(config.dataDir()));
        }
        if (data.equals("auto")) {
            log.println(FashionMnist.installHint(config.dataDir()) + "; using the synthetic identities instead");
        }
        SyntheticIdentities gen = SyntheticIdentities.defaults().withSize(config.identities(),
                config.samplesPerIdentity(), Math.max(1, config.samplesPerIdentity() / 5)).withInputDim(config.inputDim());
        Dataset[] parts = gen.generate(config.seed());
        int holdout = config.holdout() < 0 ? Math.max(1, config.identities() / 5) : config.holdout();
        return limit(OpenSetSplit.holdLastClasses(parts[0], parts[1], holdout), config.maxTrainSamples());
    }

    // an even stride, not a prefix: synthetic rows are grouped by identity and a prefix would drop whole classes
    private static OpenSetSplit limit(OpenSetSplit split, int maxTrain) {
        if (maxTrain == 0 || maxTrain >= split.train().size()) {
            return split;
        }
        int[] rows = new int[maxTrain];
        int stride = split.train().size() / maxTrain;
        for (int i = 0; i < maxTrain; i++) {
            rows[i] = i * stride;
        }
        return new OpenSetSplit(split.train().select(split.train().name(), rows, null, split.train().classes()),
                split.closedSetTest(), split.verification());
    }
}
