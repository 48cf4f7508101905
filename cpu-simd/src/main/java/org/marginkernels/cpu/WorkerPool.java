package org.marginkernels.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of worker threads that runs numbered tasks. Tasks are handed out dynamically, so which worker runs a
 * task is not deterministic; callers make results deterministic by writing each task's output to a slot owned by
 * the task (never by the worker) and merging slots in task order.
 */
final class WorkerPool implements AutoCloseable {

    /** One task: {@code task} is the task number, {@code worker} the index of the worker's private buffers. */
    @FunctionalInterface
    interface Task {
        void run(int task, int worker);
    }

    private final int threads;
    private final ExecutorService executor;

    /** A pool of {@code threads} workers; 1 runs every task on the caller's thread. */
    WorkerPool(int threads) {
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "marginkernels-cpu-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The number of workers, hence of per-worker buffers a caller needs. */
    int size() {
        return threads;
    }

    /** Runs tasks 0..tasks-1 and waits for all of them; rethrows the first failure. */
    void run(int tasks, Task task) {
        if (executor == null || tasks <= 1) {
            for (int t = 0; t < tasks; t++) {
                task.run(t, 0);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(threads, tasks);
        List<Future<?>> futures = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            int worker = w;
            futures.add(executor.submit(() -> {
                for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                    task.run(t, worker);
                }
            }));
        }
        RuntimeException failure = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for CPU workers", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
