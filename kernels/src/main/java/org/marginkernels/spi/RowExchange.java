package org.marginkernels.spi;

/**
 * The one collective a class-sharded fused pass needs: every shard contributes a per-row array and receives every
 * shard's, in shard order. Implementations (threads in one JVM, a cluster engine) live outside the core; each call
 * blocks until all shards have contributed and fails with an unchecked exception naming the missing shard after a
 * bounded time, never hangs.
 */
@FunctionalInterface
public interface RowExchange {

    /**
     * Every shard's {@code local} array, indexed by shard rank; the same values on every shard.
     *
     * @param local this shard's values. Not modified.
     * @return one array per shard, in rank order
     */
    double[][] allGather(double[] local);

    /**
     * The element-wise maximum of every shard's {@code local}, folded in rank order: the same bits on every shard.
     *
     * @param local this shard's values. Not modified.
     */
    default double[] max(double[] local) {
        return max(allGather(local), 0, local.length);
    }

    /**
     * The element-wise sum of every shard's {@code local}, added in rank order: the same bits on every shard.
     *
     * @param local this shard's values. Not modified.
     */
    default double[] sum(double[] local) {
        double[][] all = allGather(local);
        double[] out = new double[local.length];
        for (double[] part : all) {
            for (int i = 0; i < out.length; i++) {
                out[i] += part[i];
            }
        }
        return out;
    }

    /** Elements [from, from + n) of the shards' arrays, their maximum in rank order (-infinity for none). */
    static double[] max(double[][] all, int from, int n) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (double[] part : all) {
            for (int i = 0; i < n; i++) {
                out[i] = Math.max(out[i], part[from + i]);
            }
        }
        return out;
    }
}
