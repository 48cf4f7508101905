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
}
