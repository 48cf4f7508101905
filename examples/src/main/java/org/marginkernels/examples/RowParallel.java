package org.marginkernels.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits a range of rows into one contiguous chunk per thread and runs the chunks at once. Each chunk writes only
 * its own rows, so results do not depend on scheduling. One thread runs everything in the caller.
 */
public final class RowParallel implements AutoCloseable {

    /** The work for the rows [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    /**
     * @param threads the number of threads, &gt;= 1 (the caller's thread is one of them)
     */
    public RowParallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "mlp-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** The number of threads work is split over. */
    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) in at most {@link #threads()} contiguous chunks; small ranges run in the caller.
     *
     * @param minRowsPerChunk below twice this many rows, one chunk only (thread hand-off costs more than it saves)
     */
    public void forRange(int n, int minRowsPerChunk, RangeBody body) {
        int chunks = Math.min(threads, Math.max(1, n / Math.max(1, minRowsPerChunk)));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            futures.add(pool.submit(() -> body.run(from, to)));
        }
        body.run(0, (int) ((long) n / chunks));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a worker", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a worker failed: " + e.getCause(), e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
