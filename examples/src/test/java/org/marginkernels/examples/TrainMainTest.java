package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainMainTest {

    @TempDir
    Path dir;

    @Test
    void helpListsTheOptions() {
        StringWriter help = new StringWriter();
        CommandLine cmd = TrainMain.commandLine(new TrainMain(System.out));
        cmd.setOut(new PrintWriter(help));
        assertEquals(0, cmd.execute("--help"));
        for (String option : new String[] {"--loss", "--margin", "--m1", "--scale", "--negative", "--t", "--focal",
            "--epochs", "--batch", "--lr", "--momentum", "--weight-decay", "--backend", "--threads", "--data", "--input-dim",
            "--data-dir", "--seed", "--plots", "--quiet"}) {
            assertTrue(help.toString().contains(option), option + " missing from:\n" + help);
        }
    }

    @Test
    void badOptionsExitWithUsageError() {
        CommandLine cmd = TrainMain.commandLine(new TrainMain(System.out));
        cmd.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cmd.execute("--epochs", "many"));
        assertEquals(2, cmd.execute("--no-such-option"));
    }

    @Test
    void badValuesExitWithOneAndAMessage() {
        StringWriter err = new StringWriter();
        CommandLine cmd = TrainMain.commandLine(new TrainMain(System.out));
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(1, cmd.execute("--data", "synthetic", "--loss", "triplet"));
        assertTrue(err.toString().contains("loss must be one of"), err.toString());
    }

    @Test
    void quietRunPrintsSummaryAndWritesPlots() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path plots = dir.resolve("plots");
        int code = TrainMain.commandLine(new TrainMain(out)).execute("--data", "synthetic", "--identities", "60",
                "--samples-per-identity", "6", "--epochs", "2", "--hidden", "32", "--embedding-dim", "16", "--batch",
                "32", "--pairs", "200", "--quiet", "--plots", plots.toString(), "--backend", TestBackend.name());
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(!text.contains("epoch "), "quiet prints no epoch lines:\n" + text);
        assertTrue(text.contains("verification (12 unseen classes"), text);
        assertTrue(text.contains("TAR@FAR=1e-03: n/a"), "200 impostor pairs cannot resolve FAR 1e-3:\n" + text);
        assertTrue(text.contains("TAR@FAR=1e-04: n/a"), text);
        // 12 unseen classes x 6 samples: one enrolled per class, 60 probes
        assertTrue(text.contains("1:N identification (12 unseen classes enrolled with one sample each, 60 probes)"),
                text);
        assertTrue(text.contains("margin head ["), text);
        for (String png : new String[] {Plots.LOSS_PNG, Plots.SIMILARITY_PNG}) {
            Path file = plots.resolve(png);
            assertTrue(Files.size(file) > 1000, png);
            assertEquals(900, ImageIO.read(file.toFile()).getWidth(), png);
        }
    }
}
