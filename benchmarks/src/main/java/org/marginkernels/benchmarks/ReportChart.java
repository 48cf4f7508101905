package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws the forward+backward GFLOP/s of every implementation and shape in JMH result files as a PNG bar chart, on
 * a logarithmic axis because the implementations differ by orders of magnitude. Same inputs as {@link Report}.
 *
 * <p>How to run (headless is the default where no display is set):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.marginkernels.benchmarks.ReportChart chart.png loss.json ejml.json
 * </pre>
 */
public final class ReportChart {

    private ReportChart() {
    }

    /**
     * Writes the chart.
     *
     * @param args the PNG file to write, then JMH JSON result files
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ReportChart OUT.png RESULT.json [RESULT.json ...]");
            System.exit(2);
        }
        List<JmhResult> results = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            results.addAll(JmhResult.read(Path.of(args[i])));
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Report.LossRow row : Report.lossRows(results)) {
            if (row.backward()) {
                data.addValue(row.gflops(), row.label(), row.shape().toString());
            }
        }
        JFreeChart chart = ChartFactory.createBarChart("ArcFace (m = 0.5, s = 64) forward+backward, 6 B C D flops",
                "B x D x C", "GFLOP/s", data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        LogAxis axis = new LogAxis("GFLOP/s (log scale)");
        axis.setSmallestValue(0.01);
        // one tick per decade, printed as plain numbers
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("0.##"));
        plot.setRangeAxis(axis);
        ChartUtils.saveChartAsPNG(Path.of(args[0]).toFile(), chart, 1000, 560);
        System.out.println("wrote " + args[0]);
    }
}
