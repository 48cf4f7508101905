package org.marginkernels.gpu;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.marginkernels.Backend;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * The timing half of {@link GpuCheck}: the fused ArcFace forward+backward (both gradients) at the sizes of a face
 * recognition step, wall-clock per call including the host-device transfers that the float[] API implies, and
 * GFLOP/s counted as 6 B C D (forward cosines, dX and dW products). Not a JMH benchmark: a GPU box may have no Maven,
 * so this runs from a plain java command; warm-up calls compile the program and fill caches first.
 */
final class GpuBenchmark {

    private final PrintStream csv;
    private final int repetitions;

    /** Writes one CSV row per (backend, shape) to {@code csv} (header included). */
    GpuBenchmark(PrintStream csv, int repetitions) {
        this.csv = csv;
        this.repetitions = repetitions;
        csv.println("backend,batch,dim,classes,calls,ms_median,ms_min,gflops_median");
    }

    /** Times {@code gpu} at (batch, dim, classes); returns the median milliseconds. */
    double run(Backend gpu, int batch, int dim, int classes) {
        SplittableRandom r = new SplittableRandom(batch * 31L + classes);
        float[] x = uniform(r, batch * dim);
        float[] w = uniform(r, classes * dim);
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
        }
        float[] gx = new float[x.length];
        float[] gw = new float[w.length];
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        gpu.forwardBackward(loss, x, w, y, dim, gx, gw);
        double[] ms = new double[repetitions];
        for (int rep = 0; rep < repetitions; rep++) {
            long start = System.nanoTime();
            gpu.forwardBackward(loss, x, w, y, dim, gx, gw);
            ms[rep] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        double median = ms[(repetitions - 1) / 2];
        double gflops = 6.0 * batch * classes * dim / (median * 1e6);
        csv.printf("%s,%d,%d,%d,%d,%.1f,%.1f,%.1f%n", gpu.name(), batch, dim, classes, repetitions, median, ms[0],
                gflops);
        return median;
    }

    // uniform in [-1, 1): fast to generate at 5e8 values, and any non-zero rows do for timing
    private static float[] uniform(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * r.nextDouble() - 1);
        }
        return a;
    }
}
