package org.marginkernels.shard;

import java.time.Duration;
import org.marginkernels.spi.RowExchange;

/**
 * The collective operations of a group of {@code size()} ranks that run the same sequence of calls (SPMD): the
 * k-th call of every rank meets the k-th call of the others. Every call blocks at most {@link #timeout()} and then
 * throws {@link CollectiveException} naming the ranks that did not contribute; it never hangs. Reductions fold the
 * ranks' values in rank order, so every rank and every run get the same bits whatever the arrival order.
 *
 * <p>Implementations: {@link ThreadCollectives} (threads in one JVM) and {@link HazelcastCollectives} (processes
 * joined by embedded Hazelcast members). Per step a class-sharded loss moves only the batch, per-row arrays and the
 * feature gradient through them, never class weights. A group is the {@link RowExchange} a {@code ClassShard} takes,
 * with its rank-order {@link #sum} and {@link #max} of doubles.
 */
public interface Collectives extends RowExchange, AutoCloseable {

    /** This member's rank in [0, size()). */
    int rank();

    /** The number of ranks. */
    int size();

    /** The longest a call waits for the other ranks. */
    Duration timeout();

    /**
     * Every rank's {@code local} bytes, indexed by rank (this rank's own included, as a copy).
     *
     * @param local this rank's contribution, any length. Not modified.
     * @throws CollectiveException when a rank has not contributed within {@link #timeout()}, has left, or the
     *     group is closed
     */
    byte[][] allGather(byte[] local);

    /**
     * Personalized exchange: this rank sends {@code outgoing[q]} to rank q and receives, indexed by rank, what every
     * rank sent to it (its own {@code outgoing[rank()]} included, as a copy).
     *
     * @param outgoing one part per rank, any lengths. Not modified.
     * @throws IllegalArgumentException if outgoing does not have one part per rank
     * @throws CollectiveException as {@link #allGather(byte[])}
     */
    byte[][] allToAll(byte[][] outgoing);

    /**
     * Reduce-scatter of floats: {@code values} is cut into consecutive segments of {@code counts[q]} floats, and
     * this rank receives the sum over the ranks of its own segment, folded in rank order. Each rank sends only the
     * segments of the others, (P - 1) / P of the array instead of all of it P - 1 times as an all-gather would.
     *
     * @param values this rank's values, sum(counts) floats. Not modified.
     * @param counts the segment lengths by rank; the same on every rank
     * @return the summed segment of this rank
     * @throws IllegalArgumentException if the lengths do not fit
     */
    default float[] reduceScatterSum(float[] values, int[] counts) {
        if (counts.length != size()) {
            throw new IllegalArgumentException("counts must have one entry per rank (" + size() + "), got "
                    + counts.length);
        }
        long total = 0;
        for (int count : counts) {
            total += count;
        }
        if (total != values.length) {
            throw new IllegalArgumentException("values must hold sum(counts) = " + total + " floats, got "
                    + values.length);
        }
        byte[][] outgoing = new byte[size()][];
        for (int q = 0, at = 0; q < size(); at += counts[q], q++) {
            outgoing[q] = Payloads.of(values, at, counts[q]);
        }
        byte[][] parts = allToAll(outgoing);
        float[] out = Payloads.floats(parts[0]);
        for (int r = 1; r < parts.length; r++) {
            float[] part = Payloads.floats(parts[r]);
            requireLength(part.length, out.length, r);
            for (int i = 0; i < out.length; i++) {
                out[i] += part[i];
            }
        }
        return out;
    }

    /** {@link #allGather(byte[])} of doubles. */
    @Override
    default double[][] allGather(double[] local) {
        byte[][] parts = allGather(Payloads.of(local));
        double[][] out = new double[parts.length][];
        for (int r = 0; r < parts.length; r++) {
            out[r] = Payloads.doubles(parts[r]);
        }
        return out;
    }

    /** {@link #allGather(byte[])} of floats. */
    default float[][] allGather(float[] local) {
        byte[][] parts = allGather(Payloads.of(local));
        float[][] out = new float[parts.length][];
        for (int r = 0; r < parts.length; r++) {
            out[r] = Payloads.floats(parts[r]);
        }
        return out;
    }

    /** {@link #allGather(byte[])} of ints. */
    default int[][] allGather(int[] local) {
        byte[][] parts = allGather(Payloads.of(local));
        int[][] out = new int[parts.length][];
        for (int r = 0; r < parts.length; r++) {
            out[r] = Payloads.ints(parts[r]);
        }
        return out;
    }

    /**
     * Replaces {@code values} by the sum over the ranks, in float, folded in rank order.
     *
     * @param values this rank's values; every rank passes the same length. Modified.
     * @throws IllegalArgumentException if the ranks' lengths differ
     */
    default void allReduceSum(float[] values) {
        float[][] parts = allGather(values);
        requireLength(parts[0].length, values.length, 0);
        System.arraycopy(parts[0], 0, values, 0, values.length);
        for (int r = 1; r < parts.length; r++) {
            requireLength(parts[r].length, values.length, r);
            for (int i = 0; i < values.length; i++) {
                values[i] += parts[r][i];
            }
        }
    }

    private static void requireLength(int got, int expected, int rank) {
        if (got != expected) {
            throw new IllegalArgumentException("values must have the same length on every rank: rank 0 has "
                    + expected + ", rank " + rank + " has " + got);
        }
    }

    /** Leaves the group; later calls throw {@link CollectiveException}. Idempotent. */
    @Override
    void close();
}
