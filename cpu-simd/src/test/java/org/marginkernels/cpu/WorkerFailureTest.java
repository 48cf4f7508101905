package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * A failure inside a worker (issue 17, item 6: the cpu backend hung when both workers died of OutOfMemoryError)
 * reaches the caller as an exception, within seconds, and the pool and the backend stay usable.
 */
class WorkerFailureTest extends CpuTestSupport {

    private static final Duration NO_HANG = Duration.ofSeconds(30);

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {1, 2, 4})
    void everyTaskFailingWithOutOfMemoryErrorReachesTheCaller(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            OutOfMemoryError thrown = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(OutOfMemoryError.class,
                    () -> pool.run(64, (t, w) -> {
                        throw new OutOfMemoryError("task " + t);
                    })));
            assertTrue(thrown.getMessage().startsWith("task "), thrown.getMessage());
            assertEveryTaskRunsOnce(pool);
        }
    }

    /** The failing task runs on a helper thread, not the caller's: its exception is the one the caller gets. */
    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3})
    void aHelperFailureReachesTheCaller(int threads) {
        CountDownLatch helperRunning = new CountDownLatch(1);
        RuntimeException failure = new IllegalStateException("injected");
        AtomicBoolean thrownOnce = new AtomicBoolean();
        try (WorkerPool pool = new WorkerPool(threads)) {
            // assertTimeoutPreemptively runs the call on a thread of its own: that thread is the pool's caller
            RuntimeException thrown = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(RuntimeException.class,
                    () -> pool.run(200, (t, w) -> {
                        if (w == 0) {
                            // the caller holds back until a helper has a task, so the helper's failure comes first
                            awaitQuietly(helperRunning);
                            return;
                        }
                        helperRunning.countDown();
                        if (thrownOnce.compareAndSet(false, true)) {
                            throw failure;
                        }
                    })));
            assertSame(failure, thrown);
            assertEveryTaskRunsOnce(pool);
        }
    }

    /**
     * The backend-level reproduction: kernels whose GEMM throws OutOfMemoryError on every worker. Each call throws
     * it (no hang), and once the kernels work again the same backend gives the results of a fresh one, bit for bit.
     */
    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {1, 2, 3})
    void theBackendStaysUsableAfterWorkersDieOfOutOfMemoryError(int threads) {
        AtomicBoolean failing = new AtomicBoolean(true);
        CpuKernels real = kernels(0);
        CpuKernels flaky = (CpuKernels) Proxy.newProxyInstance(CpuKernels.class.getClassLoader(),
                new Class<?>[] {CpuKernels.class}, (proxy, method, args) -> {
                    if (failing.get() && method.getName().equals("gemm")) {
                        throw new OutOfMemoryError("injected");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        MarginSoftmax loss = catalogue().get("arcFace");
        Problem p = problem(new SplittableRandom(SEED), 9, 21, 300, loss.ignoreLabel());
        BackendOptions options = BackendOptions.defaults().withThreads(threads);
        try (CpuBackend cpu = new CpuBackend(flaky, options, 32);
                CpuBackend fresh = new CpuBackend(real, options, 32)) {
            float[] dx = new float[p.features().length];
            float[] dw = new float[p.weights().length];
            float[] cosines = new float[p.batch() * p.classes()];
            assertTimeoutPreemptively(NO_HANG, () -> {
                assertThrows(OutOfMemoryError.class, () -> cpu.forwardBackward(loss, p.features(), p.weights(),
                        p.labels(), p.dim(), dx, dw));
                assertThrows(OutOfMemoryError.class, () -> cpu.cosineLogits(p.features(), p.weights(), p.dim(),
                        cosines));
            });
            failing.set(false);
            LossResult got = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
            float[] expectedDx = new float[dx.length];
            float[] expectedDw = new float[dw.length];
            assertEquals(fresh.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), expectedDx,
                    expectedDw), got);
            assertArrayEquals(expectedDx, dx);
            assertArrayEquals(expectedDw, dw);
            float[] expectedCosines = new float[cosines.length];
            fresh.cosineLogits(p.features(), p.weights(), p.dim(), expectedCosines);
            cpu.cosineLogits(p.features(), p.weights(), p.dim(), cosines);
            assertArrayEquals(expectedCosines, cosines);
        }
    }

    /** A normal run after a failure: each of many tasks runs exactly once. */
    private static void assertEveryTaskRunsOnce(WorkerPool pool) {
        AtomicIntegerArray runs = new AtomicIntegerArray(500);
        assertTimeoutPreemptively(NO_HANG, () -> pool.run(runs.length(), (t, w) -> runs.incrementAndGet(t)));
        for (int t = 0; t < runs.length(); t++) {
            assertEquals(1, runs.get(t), "task " + t);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
