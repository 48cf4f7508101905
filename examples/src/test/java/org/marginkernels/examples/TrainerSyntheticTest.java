package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;

/** A short training run on the synthetic identities, on the cpu backend where usable, else the reference. */
class TrainerSyntheticTest {

    private static final String[] ARGS = {"--data", "synthetic", "--identities", "300", "--samples-per-identity",
        "10", "--epochs", "8", "--batch", "128", "--lr", "0.05", "--input-dim", "784", "--hidden", "128", "--embedding-dim", "64", "--pairs", "1000", "--seed", "5",
        "--backend", TestBackend.name()};

    @Test
    void lossDropsAndUnseenIdentitiesAreVerified() {
        TrainConfig config = TrainMain.parse(ARGS);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        OpenSetSplit split = TrainingData.load(config, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertEquals(240, split.train().classes());
        TrainingReport report = new Trainer(config, new PrintStream(log, true, StandardCharsets.UTF_8)).run(split);
        double[] losses = report.epochLosses();
        assertTrue(losses[losses.length - 1] < 0.7 * losses[0], "epoch losses " + Arrays.toString(losses));
        // chance is 50%; an untrained network already separates these identities fairly well (see below)
        assertTrue(report.verification().mean() > 0.85, "verification accuracy " + report.verification().mean());
        // chance is 1/240
        assertTrue(report.closedSetAccuracy() > 0.5, "closed-set accuracy " + report.closedSetAccuracy());
        assertEquals(report.epochLosses().length * (split.train().size() / 128), report.headSteps());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("epoch  8/8"), log.toString(StandardCharsets.UTF_8));
    }

    /**
     * With K = 3 sub-centers per class the nearest weight row is a sub-center; its class (row / K) is what the
     * train and closed-set accuracies score, not the row number.
     */
    @Test
    void subCenterAccuraciesScoreClassesNotRows() {
        String[] args = Arrays.copyOf(ARGS, ARGS.length + 2);
        args[ARGS.length] = "--loss";
        args[ARGS.length + 1] = "subcenter-arcface";
        TrainConfig config = TrainMain.parse(args);
        OpenSetSplit split = TrainingData.load(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        TrainingReport report = new Trainer(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).run(split);
        // chance is 1/240; scoring rows instead of classes gives about 1/3 of that at best
        assertTrue(report.closedSetAccuracy() > 0.5, "closed-set accuracy " + report.closedSetAccuracy());
        double[] train = report.epochTrainAccuracy();
        assertTrue(train[train.length - 1] > 0.5, "train accuracy " + Arrays.toString(train));
    }

    @Test
    void trainingBeatsTheUntrainedNetwork() {
        TrainConfig config = TrainMain.parse(ARGS);
        OpenSetSplit split = TrainingData.load(config, System.out);
        TrainingReport trained = new Trainer(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).run(split);
        double untrained;
        try (Backend backend = Trainer.openBackend(config.backend(), 0); RowParallel par = new RowParallel(2)) {
            Mlp fresh = new Mlp(new int[] {784, 128, 64}, config.seed(), par);
            untrained = Evaluation.verify(backend, fresh, split.verification(), config.pairsPerKind(),
                    config.seed() + 3, 2).accuracy().mean();
        }
        assertTrue(trained.verification().mean() > untrained + 0.02, "trained " + trained.verification().mean()
                + " vs untrained " + untrained);
    }
}
