package org.marginkernels.shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Collectives} for ranks that are threads of one JVM (tests, and one machine with several backends). Create
 * a group with {@link #group}; give each rank's object to the thread that runs that rank. One call at a time per
 * rank object.
 */
public final class ThreadCollectives implements Collectives {

    private final Rendezvous rendezvous;
    private final int rank;
    private final Duration timeout;
    private long calls;
    private volatile boolean closed;

    private ThreadCollectives(Rendezvous rendezvous, int rank, Duration timeout) {
        this.rendezvous = rendezvous;
        this.rank = rank;
        this.timeout = timeout;
    }

    /**
     * A group of {@code size} ranks that meet in this JVM.
     *
     * @param size the ranks, &gt;= 1
     * @param timeout the longest a call waits for the others, &gt; 0
     * @return one object per rank, indexed by rank
     * @throws IllegalArgumentException if size &lt; 1 or the timeout is not positive
     */
    public static List<Collectives> group(int size, Duration timeout) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        Rendezvous rendezvous = new Rendezvous(size);
        List<Collectives> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(new ThreadCollectives(rendezvous, r, timeout));
        }
        return List.copyOf(ranks);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return rendezvous.size();
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public byte[][] allGather(byte[] local) {
        if (closed) {
            throw new CollectiveException("rank " + rank + " has closed its collectives", List.of());
        }
        return rendezvous.exchange(calls++, rank, local.clone(), timeout);
    }

    @Override
    public byte[][] allToAll(byte[][] outgoing) {
        if (closed) {
            throw new CollectiveException("rank " + rank + " has closed its collectives", List.of());
        }
        if (outgoing.length != size()) {
            throw new IllegalArgumentException("outgoing must have one part per rank (" + size() + "), got "
                    + outgoing.length);
        }
        byte[][] copy = new byte[outgoing.length][];
        for (int q = 0; q < copy.length; q++) {
            copy[q] = outgoing[q].clone();
        }
        byte[][][] all = rendezvous.exchange(calls++, rank, copy, timeout);
        byte[][] in = new byte[all.length][];
        for (int r = 0; r < all.length; r++) {
            in[r] = all[r][rank];
        }
        return in;
    }

    @Override
    public void close() {
        closed = true;
        rendezvous.close(rank);
    }
}
