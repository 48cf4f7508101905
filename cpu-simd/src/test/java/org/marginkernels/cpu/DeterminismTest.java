package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * Results are bit-identical run to run and for 1 or N threads (tile size and chunk count do not depend on the
 * thread count, partials are merged in a fixed order), and agree within float tolerance when the workspace budget
 * changes how much is cached and how many dX partials exist.
 */
class DeterminismTest extends CpuTestSupport {

    private static final List<String> LOSSES = List.of("arcFace", "adaCosDynamic", "svSoftmax", "focal",
            "ignoreLabel");

    @Test
    void oneAndManyThreadsAreBitIdentical() {
        // 277 rows: three forward row chunks, the last one partial
        for (String name : LOSSES) {
            for (int batch : new int[] {13, 277}) {
                oneAndManyThreads(name, catalogue().get(name), batch);
            }
        }
    }

    private void oneAndManyThreads(String name, MarginSoftmax loss, int batch) {
        Problem p = problem(new SplittableRandom(SEED), batch, 37, 700, loss.ignoreLabel());
        Run one;
        try (CpuBackend cpu = cpu(1, 0, 32)) {
            one = run(cpu, loss, p);
            assertSame(name + " run to run", one, run(cpu, loss, p));
        }
        for (int threads : new int[] {2, 3, 5}) {
            try (CpuBackend cpu = cpu(threads, 0, 32)) {
                assertSame(name + " 1 vs " + threads + " threads", one, run(cpu, loss, p));
                assertSame(name + " 1 vs " + threads + " threads, again", one, run(cpu, loss, p));
            }
        }
    }

    @Test
    void workspaceBudgetChangesCachingNotResults() {
        for (String name : LOSSES) {
            MarginSoftmax loss = catalogue().get(name);
            Problem p = problem(new SplittableRandom(SEED + 1), 9, 33, 500, loss.ignoreLabel());
            Run full;
            try (CpuBackend cpu = cpu(2, 0, 32)) {
                full = run(cpu, loss, p);
            }
            for (long budget : new long[] {0, 40_000, 200_000}) {
                BackendOptions o = BackendOptions.defaults().withThreads(2).withWorkspaceBytes(budget);
                try (CpuBackend cpu = new CpuBackend(kernels(0), o, 32)) {
                    Run small = run(cpu, loss, p);
                    String what = name + " budget " + budget;
                    double tol = tolerance(full.result.scale(), p.dim());
                    assertResult(what, full.result, small.result, tol);
                    assertClose(what + " featureGrad", full.dx, small.dx, tol);
                    assertClose(what + " weightGrad", full.dw, small.dw, tol);
                }
            }
        }
    }

    @Test
    void eitherGradientAloneEqualsBoth() {
        for (String name : LOSSES) {
            MarginSoftmax loss = catalogue().get(name);
            Problem p = problem(new SplittableRandom(SEED + 2), 7, 29, 300, loss.ignoreLabel());
            try (CpuBackend cpu = cpu(2, 0, 32)) {
                Run both = run(cpu, loss, p);
                float[] dx = new float[p.features().length];
                float[] dw = new float[p.weights().length];
                LossResult a = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, null);
                LossResult b = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), null, dw);
                assertEquals(both.result, a, name + " featureGrad only");
                assertEquals(both.result, b, name + " weightGrad only");
                assertArrayEquals(both.dx, dx, name + " featureGrad only");
                assertArrayEquals(both.dw, dw, name + " weightGrad only");
            }
        }
    }

    private record Run(LossResult result, float[] dx, float[] dw) {
    }

    private static Run run(CpuBackend cpu, MarginSoftmax loss, Problem p) {
        float[] dx = new float[p.features().length];
        float[] dw = new float[p.weights().length];
        LossResult result = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
        return new Run(result, dx, dw);
    }

    private static void assertSame(String what, Run expected, Run actual) {
        assertEquals(expected.result, actual.result, what + " result");
        assertArrayEquals(expected.dx, actual.dx, what + " featureGrad");
        assertArrayEquals(expected.dw, actual.dw, what + " weightGrad");
    }
}
