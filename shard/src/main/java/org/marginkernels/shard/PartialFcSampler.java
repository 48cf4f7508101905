package org.marginkernels.shard;

import java.util.SplittableRandom;

/**
 * Partial FC class sampling (An et al., "Partial FC: Training 10 Million Identities on a Single Machine", ICCVW 2021,
 * section 3.2; insightface's PartialFC_V2.sample): of a rank's classes, every positive class of the gathered batch
 * is kept, and random negatives fill the sample up to rate x the rank's classes; the sample is sorted, so the
 * labels remap to positions in it. Seeded by (seed, step, first class of the range): the same sample on every run.
 */
public final class PartialFcSampler {

    private final double rate;
    private final long seed;

    /**
     * @param rate the fraction of each rank's classes a step uses, in (0, 1]; 1 keeps every class
     * @param seed the seed of the negatives
     * @throws IllegalArgumentException if rate is outside (0, 1]
     */
    public PartialFcSampler(double rate, long seed) {
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("rate must be in (0, 1], got " + rate);
        }
        this.rate = rate;
        this.seed = seed;
    }

    /** The sampling rate. */
    public double rate() {
        return rate;
    }

    /**
     * The classes of {@code range} that step {@code step} uses, ascending: every label of the batch in the range,
     * then negatives drawn uniformly without replacement (selection sampling, Knuth TAOCP vol. 2, 3.4.2,
     * Algorithm S) until there are max(1, floor(rate x range.count())) classes, or all positives if there are more.
     *
     * @param labels the gathered batch's global labels. Not modified.
     * @param ignore the loss's ignore label
     * @param range this rank's classes
     * @param step the step number, part of the seed
     * @return global class indices, ascending, at least one
     */
    public int[] sample(int[] labels, int ignore, ClassRange range, long step) {
        int count = range.count();
        int wanted = Math.max(1, (int) (rate * count));
        boolean[] positive = new boolean[count];
        int positives = 0;
        for (int y : labels) {
            if (y != ignore && y >= range.first() && y < range.end() && !positive[y - range.first()]) {
                positive[y - range.first()] = true;
                positives++;
            }
        }
        int size = Math.max(wanted, positives);
        int[] sample = new int[size];
        int n = 0;
        int need = size - positives;
        int candidates = count - positives;
        SplittableRandom random = new SplittableRandom(mix(seed, step, range.first()));
        for (int j = 0; j < count; j++) {
            if (positive[j]) {
                sample[n++] = range.first() + j;
            } else {
                // select with probability need / candidates left: every subset of the negatives equally likely
                if (need > 0 && random.nextDouble() * candidates < need) {
                    sample[n++] = range.first() + j;
                    need--;
                }
                candidates--;
            }
        }
        return sample;
    }

    /** A seed for one (seed, step, range) triple: SplitMix64's finalizer over their combination. */
    private static long mix(long seed, long step, int first) {
        long z = seed + 0x9E3779B97F4A7C15L * (step + 1) + 0xBF58476D1CE4E5B9L * (first + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
