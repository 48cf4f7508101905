package org.marginkernels.cpu;

import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.marginkernels.MarginSoftmax;

/** The fused forward+backward of the cpu backend against the double-precision reference, for every loss. */
class CpuVsReferenceProperties extends CpuTestSupport {

    @Property(tries = 60, seed = "20261128")
    void everyLossMatchesReference(@ForAll @IntRange(min = 1, max = 23) int batch,
            @ForAll @IntRange(min = 1, max = 40) int dim, @ForAll @IntRange(min = 3, max = 150) int classes,
            @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll long seed) {
        try (CpuBackend cpu = cpu(threads, 0, 32)) {
            assertEveryLossMatches(new SplittableRandom(seed), cpu, batch, dim, classes);
        }
    }

    @Property(tries = 8, seed = "20261129")
    void largerShapesWithDefaultTiles(@ForAll @IntRange(min = 20, max = 70) int batch,
            @ForAll @IntRange(min = 40, max = 70) int dim, @ForAll @IntRange(min = 200, max = 700) int classes,
            @ForAll long seed) {
        try (CpuBackend cpu = new CpuBackend(kernels(0), org.marginkernels.BackendOptions.defaults())) {
            assertEveryLossMatches(new SplittableRandom(seed), cpu, batch, dim, classes);
        }
    }

    /** Batches of more than one forward row chunk (128 rows), so chunk borders and partial chunks are covered. */
    @Property(tries = 6, seed = "20261133")
    void batchesLargerThanOneRowChunk(@ForAll @IntRange(min = 129, max = 300) int batch,
            @ForAll @IntRange(min = 1, max = 24) int dim, @ForAll @IntRange(min = 3, max = 300) int classes,
            @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll long seed) {
        try (CpuBackend cpu = cpu(threads, 0, 32)) {
            assertEveryLossMatches(new SplittableRandom(seed), cpu, batch, dim, classes);
        }
    }

    private static void assertEveryLossMatches(SplittableRandom r, CpuBackend cpu, int batch, int dim,
            int classes) {
        for (Map.Entry<String, MarginSoftmax> e : catalogue().entrySet()) {
            Problem p = problem(r, batch, dim, classes, e.getValue().ignoreLabel());
            assertMatchesReference(e.getKey(), e.getValue(), p, cpu);
        }
    }
}
