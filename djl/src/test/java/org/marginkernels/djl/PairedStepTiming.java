package org.marginkernels.djl;

import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;

/**
 * The steps of {@link ArcFaceStepBenchmark} in rounds, one of each per round, so that DJL's and ours see the same
 * load on a shared machine: JMH times one method after another, minutes apart, and on a busy 2-vCPU VM the load
 * moves more than the difference being measured. Prints each method's median and the median of the per-round
 * ratios DJL / ours. Run by {@code scripts/djl-benchmark.sh} after JMH; arguments: shape (BxDxC), threads, rounds.
 */
public final class PairedStepTiming {

    private PairedStepTiming() {
    }

    public static void main(String[] args) {
        ArcFaceStepBenchmark bench = new ArcFaceStepBenchmark();
        bench.shape = args.length > 0 ? args[0] : "256x512x100000";
        bench.threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
        }
        bench.setUp();
        try {
            // warm-up: JIT and first-touch of every buffer
            bench.djlAutograd();
            bench.marginHead();
            bench.marginHeadDirect();
            bench.fusedStepOnly();
            double[][] ms = new double[4][rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                bench.djlAutograd();
                long t1 = System.nanoTime();
                bench.marginHead();
                long t2 = System.nanoTime();
                bench.marginHeadDirect();
                long t3 = System.nanoTime();
                bench.fusedStepOnly();
                long t4 = System.nanoTime();
                ms[0][r] = (t1 - t0) / 1e6;
                ms[1][r] = (t2 - t1) / 1e6;
                ms[2][r] = (t3 - t2) / 1e6;
                ms[3][r] = (t4 - t3) / 1e6;
            }
            String[] names = {"djlAutograd", "marginHead", "marginHeadDirect", "fusedStepOnly"};
            System.out.printf("paired rounds: %d at %s, cpu backend %d threads, libtorch %d intra-op threads%n", rounds,
                    bench.shape, bench.threads, JniUtils.getNumThreads());
            System.out.printf("%-18s %12s %12s %12s %16s%n", "step", "median ms", "min ms", "max ms",
                    "vs DJL (median)");
            for (int k = 0; k < names.length; k++) {
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = ms[0][r] / ms[k][r];
                }
                double[] sorted = ms[k].clone();
                Arrays.sort(sorted);
                System.out.printf("%-18s %12.1f %12.1f %12.1f %15.2fx%n", names[k], median(ms[k]), sorted[0],
                        sorted[rounds - 1], median(ratios));
            }
        } finally {
            bench.tearDown();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
