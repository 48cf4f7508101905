package org.marginkernels.shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Where the ranks of a {@link ThreadCollectives} group meet: the k-th call of each rank drops its bytes into round
 * k and waits, with a deadline, until every rank has; the last rank to read a round removes it.
 */
final class Rendezvous {

    private final int size;
    private final Map<Long, Round> rounds = new ConcurrentHashMap<>();
    private final boolean[] closed;

    Rendezvous(int size) {
        this.size = size;
        this.closed = new boolean[size];
    }

    int size() {
        return size;
    }

    /** Rank {@code rank}'s part of round {@code round}; returns every rank's part, indexed by rank. */
    byte[][] exchange(long round, int rank, byte[] part, Duration timeout) {
        byte[][] same = new byte[size][];
        java.util.Arrays.fill(same, part);
        byte[][][] got = exchange(round, rank, same, timeout);
        byte[][] out = new byte[size][];
        for (int q = 0; q < size; q++) {
            out[q] = got[q][rank];
        }
        return out;
    }

    /**
     * Rank {@code rank}'s parts of round {@code round}, one per destination; returns every rank's parts,
     * [source][destination].
     */
    byte[][][] exchange(long round, int rank, byte[][] part, Duration timeout) {
        Round r = rounds.computeIfAbsent(round, k -> new Round(size));
        r.offer(rank, part);
        try {
            if (!r.arrived.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                List<Integer> missing = r.missing();
                throw new CollectiveException("exchange #" + round + " timed out after " + timeout.toMillis()
                        + " ms on rank " + rank + " of " + size + ": no contribution from rank(s) " + missing
                        + closedNote(missing), missing);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("exchange #" + round + " interrupted on rank " + rank, r.missing());
        }
        byte[][][] out = r.parts(rank);
        if (r.taken() == size) {
            rounds.remove(round);
        }
        return out;
    }

    synchronized void close(int rank) {
        closed[rank] = true;
    }

    private synchronized String closedNote(List<Integer> missing) {
        List<Integer> gone = new ArrayList<>();
        for (int m : missing) {
            if (closed[m]) {
                gone.add(m);
            }
        }
        return gone.isEmpty() ? "" : " (closed: " + gone + ")";
    }

    /** One round: the parts of each rank (one per destination) and a latch that opens when all have arrived. */
    private static final class Round {
        private final byte[][][] parts;
        private final CountDownLatch arrived;
        private int taken;

        Round(int size) {
            this.parts = new byte[size][][];
            this.arrived = new CountDownLatch(size);
        }

        synchronized void offer(int rank, byte[][] part) {
            if (parts[rank] != null) {
                throw new IllegalStateException("rank " + rank + " contributed twice to one round");
            }
            parts[rank] = part;
            arrived.countDown();
        }

        synchronized List<Integer> missing() {
            return CollectiveException.missing(parts);
        }

        /** Every source's parts, only the one addressed to {@code reader} copied (the others are not read). */
        synchronized byte[][][] parts(int reader) {
            byte[][][] out = new byte[parts.length][parts.length][];
            for (int r = 0; r < parts.length; r++) {
                out[r][reader] = parts[r][reader].clone();
            }
            return out;
        }

        synchronized int taken() {
            return ++taken;
        }
    }
}
