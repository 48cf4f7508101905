package org.marginkernels.gpu;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Times a training step with device-resident class weights: the fused ArcFace forward+backward against the resident
 * W ({@link ResidentClassWeights#forwardBackward}, dL/dfeatures read back) plus the SGD-momentum update on the
 * device, per step wall-clock, GFLOP/s counted as 6 B C D, bus bytes per step and device memory. Uses only the
 * public API, so the same class times any build of the gpu jar placed before it on the class path (the PoCL
 * side-by-side of the register-blocked and the 16 x 16 kernels in gpu/README.md). A first step at a small shape
 * compiles the program, so a timed step never includes compilation.
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp margin-kernels-gpu.jar:margin-kernels.jar \
 *     org.marginkernels.gpu.ResidentStepBenchmark opencl 256 512 100000 1
 * }</pre>
 */
public final class ResidentStepBenchmark {

    /** What one shape gave. */
    public record Timing(String backend, int batch, int dim, int classes, int steps, double msMedian, double msMin,
            long busBytesPerStep, long deviceBytes, double loss) {

        /** 6 B C D floating-point operations at the median step time, in GFLOP/s. */
        public double gflops() {
            return 6.0 * batch * classes * dim / (msMedian * 1e6);
        }

        /** One CSV row in the order of {@link #CSV_HEADER}. */
        public String csv() {
            return String.format("%s,%d,%d,%d,%d,%.1f,%.1f,%.2f,%d,%d,%.6f", backend, batch, dim, classes, steps,
                    msMedian, msMin, gflops(), busBytesPerStep, deviceBytes, loss);
        }
    }

    /** The columns of {@link Timing#csv()}. */
    public static final String CSV_HEADER =
            "backend,batch,dim,classes,steps,ms_median,ms_min,gflops_median,bus_bytes_per_step,device_bytes,loss";

    private ResidentStepBenchmark() {
    }

    /** Times {@code steps} resident steps of {@code gpu} at (batch, dim, classes) after one untimed warm-up step. */
    public static Timing run(Backend gpu, int batch, int dim, int classes, int steps) {
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        warmUp(gpu, loss, dim);
        SplittableRandom r = new SplittableRandom(batch * 31L + classes);
        float[] x = uniform(r, batch * dim);
        float[] w = uniform(r, Math.multiplyExact(classes, dim));
        int[] y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = r.nextInt(classes);
        }
        float[] gx = new float[x.length];
        GpuKernelBackend impl = (GpuKernelBackend) gpu.implementation();
        try (ResidentClassWeights resident = ResidentClassWeights.upload(gpu, w, dim)) {
            w = null;
            double[] ms = new double[steps];
            LossResult last = null;
            for (int step = 0; step < steps; step++) {
                long start = System.nanoTime();
                last = resident.forwardBackward(loss, x, y, gx);
                resident.applySgd(0.1, 0.9, 5e-4);
                ms[step] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(ms);
            return new Timing(gpu.name(), batch, dim, classes, steps, ms[(steps - 1) / 2], ms[0],
                    resident.lastStepTransfers().total(), impl.peakDeviceBytes(), last.loss());
        }
    }

    /** One step at a small shape: compiles the program, which a timed step must not include. */
    private static void warmUp(Backend gpu, MarginSoftmax loss, int dim) {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = uniform(r, 4 * dim);
        try (ResidentClassWeights resident = ResidentClassWeights.upload(gpu, uniform(r, 100 * dim), dim)) {
            resident.forwardBackward(loss, x, new int[] {0, 1, 2, 3}, new float[x.length]);
            resident.applySgd(0.1, 0.9, 5e-4);
        }
    }

    // uniform in [-1, 1): fast to generate at 5e8 values, and any non-zero rows do for timing
    private static float[] uniform(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (2 * r.nextDouble() - 1);
        }
        return a;
    }

    /**
     * Prints {@link #CSV_HEADER} and one row.
     *
     * @param args backend name, batch, dim, classes, timed steps
     */
    public static void main(String[] args) {
        if (args.length != 5) {
            System.err.println("usage: ResidentStepBenchmark BACKEND BATCH DIM CLASSES STEPS");
            System.exit(64);
        }
        try (Backend gpu = Backends.named(args[0])) {
            Timing t = run(gpu, Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            System.out.println(CSV_HEADER);
            System.out.println(t.csv());
        }
    }
}
