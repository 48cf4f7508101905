package org.marginkernels.shard;

/**
 * Collectives with a stopwatch: the time spent in (and waiting for) collective calls and the bytes this rank
 * offered, so a step can report compute and communication apart.
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
            bytesOut += local.length;
            calls++;
        }
    }

    double[][] allGather(double[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += 8L * local.length;
            calls++;
        }
    }

    int[][] allGather(int[] local) {
        long t0 = System.nanoTime();
        try {
            return collectives.allGather(local);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += 4L * local.length;
            calls++;
        }
    }

    void allReduceSum(float[] values) {
        long t0 = System.nanoTime();
        try {
            collectives.allReduceSum(values);
        } finally {
            nanos += System.nanoTime() - t0;
            bytesOut += 4L * values.length;
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
