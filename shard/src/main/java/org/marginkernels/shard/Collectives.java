package org.marginkernels.shard;

import java.time.Duration;

/**
 * The collective operations of a group of {@code size()} ranks that run the same sequence of calls (SPMD): the
 * k-th call of every rank meets the k-th call of the others. Every call blocks at most {@link #timeout()} and then
 * throws {@link CollectiveException} naming the ranks that did not contribute; it never hangs. Reductions fold the
 * ranks' values in rank order, so every rank and every run get the same bits whatever the arrival order.
 *
 * <p>Implementations: {@link ThreadCollectives} (threads in one JVM) and {@link HazelcastCollectives} (processes
 * joined by embedded Hazelcast members). Per step a class-sharded loss moves only the batch, per-row arrays and the
 * feature gradient through them, never class weights.
 */
public interface Collectives extends AutoCloseable {

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

    /** {@link #allGather(byte[])} of doubles. */
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
     * The element-wise reduction of every rank's {@code values}, folded in rank order.
     *
     * @param values this rank's values; every rank passes the same length. Not modified.
     * @throws IllegalArgumentException if the ranks' lengths differ
     */
    default double[] allReduce(double[] values, ReduceOp op) {
        double[][] parts = allGather(values);
        double[] out = parts[0].clone();
        for (int r = 1; r < parts.length; r++) {
            requireLength(parts[r].length, out.length, r);
            for (int i = 0; i < out.length; i++) {
                out[i] = op == ReduceOp.SUM ? out[i] + parts[r][i] : Math.max(out[i], parts[r][i]);
            }
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
