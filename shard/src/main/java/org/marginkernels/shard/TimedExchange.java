package org.marginkernels.shard;

import java.time.Duration;

/**
 * Collectives with a stopwatch: the time spent in (and waiting for) collective calls and the bytes this rank sent
 * to the other ranks, so a step can report compute and communication apart. It times the two primitives every
 * collective goes through, so each typed operation is counted by what it sends: an all-gather its part to each of
 * the P - 1 others, an all-to-all each other rank's part.
 */
final class TimedExchange implements Collectives {

    private final Collectives collectives;
    private long nanos;
    private long bytesOut;
    private int calls;

    TimedExchange(Collectives collectives) {
        this.collectives = collectives;
    }

    @Override
    public int rank() {
        return collectives.rank();
    }

    @Override
    public int size() {
        return collectives.size();
    }

    @Override
    public Duration timeout() {
        return collectives.timeout();
    }

    @Override
    public byte[][] allGather(byte[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            count(t0, (collectives.size() - 1L) * local.length);
        }
    }

    @Override
    public byte[][] allToAll(byte[][] outgoing) {
        long t0 = System.nanoTime();
        try {
            return collectives.allToAll(outgoing);
        } finally {
            long bytes = 0;
            for (int q = 0; q < outgoing.length; q++) {
                bytes += q == collectives.rank() || outgoing[q] == null ? 0 : outgoing[q].length;
            }
            count(t0, bytes);
        }
    }

    /** Closes the wrapped group. */
    @Override
    public void close() {
        collectives.close();
    }

    private void count(long start, long bytes) {
        nanos += System.nanoTime() - start;
        bytesOut += bytes;
        calls++;
    }

    long nanos() {
        return nanos;
    }

    long bytesOut() {
        return bytesOut;
    }

    int calls() {
        return calls;
    }

    void reset() {
        nanos = 0;
        bytesOut = 0;
        calls = 0;
    }
}
