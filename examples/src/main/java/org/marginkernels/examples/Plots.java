package org.marginkernels.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG charts of a run with JFreeChart: the loss curve and the genuine / impostor similarity histograms. Needs a
 * headless AWT where there is no display: run the JVM with {@code -Djava.awt.headless=true}.
 */
public final class Plots {

    /** File name of the loss curve. */
    public static final String LOSS_PNG = "loss.png";
    /** File name of the similarity histograms. */
    public static final String SIMILARITY_PNG = "similarity.png";

    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    private static final int BINS = 80;

    private Plots() {
    }

    /**
     * Writes {@value #LOSS_PNG} and {@value #SIMILARITY_PNG} into {@code dir}, creating it if needed.
     *
     * @throws IOException if the directory or a file cannot be written
     */
    public static void write(TrainingReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        ChartUtils.saveChartAsPNG(dir.resolve(LOSS_PNG).toFile(), lossChart(report), WIDTH, HEIGHT);
        ChartUtils.saveChartAsPNG(dir.resolve(SIMILARITY_PNG).toFile(), similarityChart(report), WIDTH, HEIGHT);
    }

    private static JFreeChart lossChart(TrainingReport report) {
        XYSeries steps = new XYSeries("loss per step");
        float[] losses = report.stepLosses();
        for (int i = 0; i < losses.length; i++) {
            steps.add(i + 1, losses[i]);
        }
        XYSeries epochs = new XYSeries("epoch mean");
        int perEpoch = losses.length / report.epochLosses().length;
        for (int e = 0; e < report.epochLosses().length; e++) {
            epochs.add((e + 1) * perEpoch, report.epochLosses()[e]);
        }
        XYSeriesCollection data = new XYSeriesCollection(steps);
        data.addSeries(epochs);
        return ChartFactory.createXYLineChart("Training loss: " + report.lossName(), "step", "loss", data);
    }

    private static JFreeChart similarityChart(TrainingReport report) {
        HistogramDataset data = new HistogramDataset();
        data.setType(HistogramType.RELATIVE_FREQUENCY);
        data.addSeries("genuine pairs", toDouble(report.genuineScores()), BINS, -1, 1);
        data.addSeries("impostor pairs", toDouble(report.impostorScores()), BINS, -1, 1);
        JFreeChart chart = ChartFactory.createHistogram(String.format(Locale.ROOT,
                "Cosine similarity on unseen classes (10-fold accuracy %.2f%%)",
                100 * report.verification().mean()), "cosine similarity", "fraction of pairs", data);
        XYPlot plot = chart.getXYPlot();
        plot.setForegroundAlpha(0.6f);
        ((XYBarRenderer) plot.getRenderer()).setShadowVisible(false);
        return chart;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
