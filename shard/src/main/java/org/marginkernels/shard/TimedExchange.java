package org.marginkernels.shard;

/**
 * Collectives with a stopwatch: the time spent in (and waiting for) collective calls and the bytes this rank sent
 * to the other ranks (an all-gather sends its part to each of the P - 1 others), so a step can report compute and
 * communication apart.
 */
final class TimedExchange {

    private final Collectives collectives;
    private long nanos;
    private long bytesOut;
    private int calls;

    TimedExchange(Collectives collectives) {
        this.collectives = collectives;
    }

    byte[][] allGather(byte[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += (collectives.size() - 1L) * local.length;
            calls++;
        }
    }

    double[][] allGather(double[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += (collectives.size() - 1L) * 8 * local.length;
            calls++;
        }
    }

    int[][] allGather(int[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += (collectives.size() - 1L) * 4 * local.length;
            calls++;
        }
    }

    void allReduceSum(float[] values) {
        long t0 = System.nanoTime();
        try {
            collectives.allReduceSum(values);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += (collectives.size() - 1L) * 4 * values.length;
            calls++;
        }
    }

    float[] reduceScatterSum(float[] values, int[] counts) {
        long t0 = System.nanoTime();
        try {
            return collectives.reduceScatterSum(values, counts);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += 4L * (values.length - counts[collectives.rank()]);
            calls++;
        }
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
