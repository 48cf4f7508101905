package org.marginkernels.cpu;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of worker threads that runs numbered tasks. Tasks are handed out dynamically, so which worker runs a
 * task is not deterministic; callers make results deterministic by writing each task's output to a slot owned by
 * the task (never by the worker) and merging slots in task order.
 *
 * <p>The calling thread is worker 0 and takes tasks like the {@code threads - 1} helper threads, so every task runs
 * even when no helper is free (another call holds them, or the pool is closed). Several calls may share the pool:
 * worker indexes are per call. A task that throws (an OutOfMemoryError included) is recorded in a slot allocated
 * before the tasks start, the remaining tasks are skipped, and once every task taken has finished the caller
 * rethrows it: a failure never leaves the caller waiting, and the pool stays usable.
 */
final class WorkerPool implements AutoCloseable {

    /** One task: {@code task} is the task number, {@code worker} the index of the worker's private buffers. */
    @FunctionalInterface
    interface Task {
        void run(int task, int worker);
    }

    private final int threads;
    private final ExecutorService helpers;

    /** A pool of {@code threads} workers, the caller included; 1 runs every task on the caller's thread. */
    WorkerPool(int threads) {
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "marginkernels-cpu-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The number of workers, hence of per-worker buffers a caller needs. */
    int size() {
        return threads;
    }

    /**
     * Runs tasks 0..tasks-1 and returns once every task has finished or been skipped after a failure; rethrows the
     * first failure (a RuntimeException or Error as it is, anything else as the cause of an IllegalStateException).
     */
    void run(int tasks, Task task) {
        if (helpers == null || tasks <= 1) {
            for (int t = 0; t < tasks; t++) {
                task.run(t, 0);
            }
            return;
        }
        Job job = new Job(tasks, task);
        for (int h = 1; h < Math.min(threads, tasks); h++) {
            try {
                helpers.execute(job);
            } catch (RejectedExecutionException | OutOfMemoryError noHelper) {
                // a closed pool, or no memory to queue a helper or start its thread: the caller runs the rest
                break;
            }
        }
        job.work(0);
        job.awaitDone();
        Throwable failure = job.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("a cpu worker failed", failure);
        }
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }

    /** The tasks of one {@link #run} call; each helper that starts runs {@link #run()} once. */
    private static final class Job implements Runnable {

        private final int tasks;
        private final Thread caller = Thread.currentThread();
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger workers = new AtomicInteger(1);
        private final AtomicInteger unfinished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        // cleared once done: a helper still queued from a finished call must not keep its buffers reachable
        private Task task;

        Job(int tasks, Task task) {
            this.tasks = tasks;
            this.task = task;
            this.unfinished = new AtomicInteger(tasks);
        }

        @Override
        public void run() {
            work(workers.getAndIncrement());
        }

        /** Takes tasks until none is left; the finally block counts every task taken, failed or not. */
        void work(int worker) {
            for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        task.run(t, worker);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    // the caller needs no wake-up from itself, and a stray permit would end its next park early
                    if (unfinished.decrementAndGet() == 0 && Thread.currentThread() != caller) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /**
         * Waits (on the caller's thread) for the tasks that helpers took; never returns early, even when
         * interrupted, because those tasks still write to the call's buffers. The interrupt status is kept.
         */
        void awaitDone() {
            boolean interrupted = false;
            while (unfinished.get() > 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            task = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
