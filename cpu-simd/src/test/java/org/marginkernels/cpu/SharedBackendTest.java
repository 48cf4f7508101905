package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * One backend shared by several threads (issue 17, item 8: results were silently corrupted through the shared
 * workspace): every concurrent call gives exactly, bit for bit, the result of the same call made alone, and after
 * {@link CpuBackend#close()} calls throw IllegalStateException instead of hanging.
 */
class SharedBackendTest extends CpuTestSupport {

    private static final int THREADS = 6;
    private static final int ROUNDS = 12;

    /** One call and its result as comparable text (float bits included via Arrays.toString). */
    private record Call(String name, Function<CpuBackend, String> run) {
    }

    @Test
    void concurrentCallsGiveTheResultsOfCallsMadeAlone() throws Exception {
        List<Call> calls = calls();
        BackendOptions options = BackendOptions.defaults().withThreads(3).withWorkspaceBytes(2_000_000);
        try (CpuBackend cpu = new CpuBackend(kernels(0), options, 32)) {
            List<String> alone = new ArrayList<>();
            for (Call c : calls) {
                alone.add(c.run().apply(cpu));
            }
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Future<List<String>>> futures = new ArrayList<>();
                for (int th = 0; th < THREADS; th++) {
                    int first = th;
                    futures.add(threads.submit(() -> {
                        start.await();
                        List<String> mismatches = new ArrayList<>();
                        for (int round = 0; round < ROUNDS; round++) {
                            int k = (first + round) % calls.size();
                            String got = calls.get(k).run().apply(cpu);
                            if (!got.equals(alone.get(k))) {
                                mismatches.add(calls.get(k).name() + " in round " + round);
                            }
                        }
                        return mismatches;
                    }));
                }
                for (Future<List<String>> f : futures) {
                    List<String> mismatches = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> f.get());
                    assertTrue(mismatches.isEmpty(), "differs from the call made alone: " + mismatches);
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void callsAfterCloseThrowIllegalStateException() {
        List<Call> calls = calls();
        CpuBackend cpu = cpu(2, 0, 32);
        calls.get(0).run().apply(cpu);
        cpu.close();
        cpu.close();
        for (Call c : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.run().apply(cpu), c.name());
            assertEquals("backend cpu is closed", e.getMessage());
        }
        Backend facade = Backends.named("cpu");
        facade.close();
        assertThrows(IllegalStateException.class, () -> facade.pairCosines(new float[] {1}, new float[] {1}, 1,
                new float[1]));
    }

    /** Calls racing with close either complete with the result of the call made alone or throw, never hang. */
    @Test
    void aCloseRacingWithCallsNeverHangs() throws Exception {
        List<Call> calls = calls();
        List<String> alone = new ArrayList<>();
        try (CpuBackend cpu = cpu(3, 0, 32)) {
            for (Call c : calls) {
                alone.add(c.run().apply(cpu));
            }
        }
        CpuBackend cpu = cpu(3, 0, 32);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int th = 0; th < THREADS; th++) {
                int first = th;
                futures.add(threads.submit(() -> {
                    for (int round = 0; ; round++) {
                        int k = (first + round) % calls.size();
                        String got;
                        try {
                            got = calls.get(k).run().apply(cpu);
                        } catch (IllegalStateException closed) {
                            return "closed";
                        }
                        if (!got.equals(alone.get(k))) {
                            return calls.get(k).name() + " differs";
                        }
                    }
                }));
            }
            Thread.sleep(200);
            cpu.close();
            for (Future<String> f : futures) {
                assertEquals("closed", assertTimeoutPreemptively(Duration.ofMinutes(1), () -> f.get()));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** Different problems and methods: fused steps of three losses, cosines, their backward and top-k. */
    private static List<Call> calls() {
        List<Call> calls = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(SEED);
        for (String name : List.of("arcFace", "svSoftmax", "adaCosDynamic")) {
            MarginSoftmax loss = catalogue().get(name);
            Problem p = problem(r, 11 + calls.size(), 33, 300 + 40 * calls.size(), loss.ignoreLabel());
            calls.add(new Call("forwardBackward " + name, cpu -> {
                float[] dx = new float[p.features().length];
                float[] dw = new float[p.weights().length];
                LossResult result = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
                return result + Arrays.toString(dx) + Arrays.toString(dw);
            }));
        }
        Problem p = problem(r, 17, 29, 400, -1);
        calls.add(new Call("forward", cpu -> cpu.forwardBackward(catalogue().get("focal"), p.features(),
                p.weights(), p.labels(), p.dim(), null, null).toString()));
        calls.add(new Call("cosineLogits", cpu -> {
            float[] c = new float[p.batch() * p.classes()];
            cpu.cosineLogits(p.features(), p.weights(), p.dim(), c);
            return Arrays.toString(c);
        }));
        float[] dc = randomMatrix(r, p.batch(), p.classes());
        calls.add(new Call("cosineLogitsBackward", cpu -> {
            float[] dx = new float[p.features().length];
            float[] dw = new float[p.weights().length];
            cpu.cosineLogitsBackward(p.features(), p.weights(), p.dim(), dc, dx, dw);
            return Arrays.toString(dx) + Arrays.toString(dw);
        }));
        calls.add(new Call("topK", cpu -> {
            int k = 9;
            int[] idx = new int[p.batch() * k];
            float[] scores = new float[p.batch() * k];
            cpu.topK(p.features(), p.weights(), p.dim(), k, idx, scores);
            return Arrays.toString(idx) + Arrays.toString(scores);
        }));
        return calls;
    }
}
