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
            String[] names = {"djlAutograd", "marginHead", "marginHeadDirect", "fusedStepOnly"};
            Runnable[] steps = {bench::djlAutograd, bench::marginHead, bench::marginHeadDirect, bench::fusedStepOnly};
            // warm-up: JIT and first-touch of every buffer
            for (Runnable step : steps) {
                step.run();
            }
            double[][] ms = new double[steps.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < steps.length; k++) {
                    long t0 = System.nanoTime();
                    steps[k].run();
                    ms[k][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
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
