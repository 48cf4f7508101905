package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A short run on real Fashion-MNIST; skipped where the Debian package dataset-fashion-mnist is not installed. */
class TrainerFashionMnistTest {

    @Test
    void lossDropsAndHeldOutClassesAreVerified() {
        assumeTrue(FashionMnist.locate(null).isPresent(), FashionMnist.INSTALL_HINT);
        TrainConfig config = TrainMain.parse("--data", "fashion-mnist", "--max-train-samples", "8000", "--epochs",
                "3", "--hidden", "128", "--batch", "128", "--lr", "0.05", "--pairs", "1000", "--backend",
                TestBackend.name());
        OpenSetSplit split = TrainingData.load(config, System.out);
        TrainingReport report = new Trainer(config, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8)).run(split);
        double[] losses = report.epochLosses();
        assertTrue(losses[losses.length - 1] < 0.8 * losses[0], "epoch losses " + Arrays.toString(losses));
        // chance is 50% (balanced pairs) and 1/8 (closed set); full runs reach ~85-95% and ~85%
        assertTrue(report.verification().mean() > 0.65, "verification accuracy " + report.verification().mean());
        assertTrue(report.closedSetAccuracy() > 0.6, "closed-set accuracy " + report.closedSetAccuracy());
    }
}
