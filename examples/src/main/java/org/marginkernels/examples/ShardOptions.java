package org.marginkernels.examples;

import java.time.Duration;

/**
 * How one process of a class-sharded run joins the others (scripts/train.sh --shards N starts them): N processes on
 * this machine, each a Hazelcast member on 127.0.0.1 at basePort + rank, each owning an even share of the class
 * weights.
 *
 * @param shards the processes, &gt;= 2
 * @param rank this process, in [0, shards)
 * @param basePort rank 0's port
 * @param timeout the longest a step waits for another process before failing
 */
public record ShardOptions(int shards, int rank, int basePort, Duration timeout) {

    public ShardOptions {
        if (shards < 2) {
            throw new IllegalArgumentException("shards must be >= 2 for a sharded run, got " + shards);
        }
        if (rank < 0 || rank >= shards) {
            throw new IllegalArgumentException("rank must be in [0, " + shards + "), got " + rank
                    + " (scripts/train.sh --shards N starts the N ranks)");
        }
        if (basePort < 1 || basePort + shards - 1 > 65535) {
            throw new IllegalArgumentException("basePort must leave room for " + shards + " ports, got " + basePort);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }
}
