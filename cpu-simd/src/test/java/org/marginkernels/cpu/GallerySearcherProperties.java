package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.marginkernels.GalleryIndex;
import org.marginkernels.reference.ScalarGalleryKernels;
import org.marginkernels.spi.GalleryLayout;

/**
 * The cpu gallery searcher against the reference one (whose results the kernels module checks against brute force):
 * the same ids and the same score bits for 1, 2 and 3 threads, full and half size, over dims around the vector
 * width, batches across every register block (6, 4, 1 queries) and galleries of one and several tasks; and each
 * vector width's panel kernels against the scalar ones.
 */
class GallerySearcherProperties {

    private static final long SEED = 0x5EA5C4L;

    @Property(tries = 25)
    void cpuGivesTheReferenceBits(@ForAll @IntRange(min = 0, max = 10) int dimIndex,
            @ForAll @IntRange(min = 0, max = 3) int countIndex, @ForAll @IntRange(min = 1, max = 13) int q,
            @ForAll @IntRange(min = 1, max = 20) int kWanted, @ForAll boolean half,
            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int lanes = lanes();
        int[] dims = {1, 3, 7, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 2 * lanes + 1, 61, 100};
        int dim = Math.max(1, dims[dimIndex]);
        // one panel, a partial panel, and two tasks of the cpu searcher with a partial last panel
        int[] counts = {1, 31, 33, CpuGallerySearcher.TASK_PANELS * GalleryLayout.PANEL + 5};
        int count = counts[countIndex];
        int k = Math.min(kWanted, count);
        SplittableRandom r = new SplittableRandom(SEED + seed);
        float[] rows = gaussian(r, count * dim);
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            // few distinct ids' worth of ties: rows repeat every 7, so equal scores must order by id
            ids[i] = r.nextLong(1L << 40);
            if (i >= 7 && i % 3 == 0) {
                System.arraycopy(rows, (i - 7) * dim, rows, i * dim, dim);
            }
        }
        float[] queries = gaussian(r, q * dim);
        GalleryIndex.SearchResult want;
        try (GalleryIndex reference = GalleryIndex.builder(dim).searcher("reference").halfSize(half).build()) {
            reference.addAll(ids, rows);
            want = reference.search(queries, k);
        }
        for (int threads = 1; threads <= 3; threads++) {
            try (GalleryIndex cpu = GalleryIndex.builder(dim).searcher("cpu").threads(threads).halfSize(half)
                    .build()) {
                cpu.addAll(ids, rows);
                assertEquals("cpu x " + threads, cpu.searcher());
                GalleryIndex.SearchResult got = cpu.search(queries, k);
                String what = "dim " + dim + " count " + count + " q " + q + " k " + k + " half " + half
                        + " threads " + threads;
                assertArrayEquals(want.ids(), got.ids(), what);
                assertArrayEquals(want.scores(), got.scores(), what);
            }
        }
    }

    /** Every vector width up to the preferred one, 64-bit included, gives the scalar kernels' bits. */
    @Test
    void everyWidthGivesTheScalarBits() {
        Assumptions.assumeFalse(CpuKernelsChoice.choose(0) instanceof ScalarKernels,
                "the Vector API is not in use in this run");
        SplittableRandom r = new SplittableRandom(SEED);
        for (int bits = 64; bits <= FloatVector.SPECIES_PREFERRED.vectorBitSize(); bits *= 2) {
            GalleryKernelsJob kernels = PanamaGalleryJobs.kernels(bits);
            for (int dim : new int[] {1, 2, 15, 16, 17, 33}) {
                try (Arena arena = Arena.ofConfined()) {
                    long elements = 2 * GalleryLayout.panelElements(dim);
                    MemorySegment rows = arena.allocate(elements * Float.BYTES, 64);
                    MemorySegment codes = arena.allocate(elements, 64);
                    for (long e = 0; e < elements; e++) {
                        rows.setAtIndex(GalleryLayout.FLOAT, e, (float) (r.nextDouble() * 2 - 1));
                        codes.set(ValueLayout.JAVA_BYTE, e, (byte) (r.nextInt(255) - 127));
                    }
                    for (int q = 1; q <= 13; q++) {
                        float[] a = gaussian(r, q * dim);
                        long second = GalleryLayout.panelElements(dim);
                        float[] want = new float[q * GalleryLayout.PANEL];
                        float[] got = new float[q * GalleryLayout.PANEL];
                        String what = bits + "-bit, dim " + dim + ", q " + q;
                        ScalarGalleryKernels.floatPanel(a, q, dim, rows, second, want);
                        kernels.floatPanel(a, q, dim, rows, second, got);
                        assertArrayEquals(want, got, "float panel, " + what);
                        // the codes path serves up to HALF_SIZE_MAX_QUERIES queries
                        int small = Math.min(q, GalleryIndex.HALF_SIZE_MAX_QUERIES);
                        Arrays.fill(want, 0f);
                        Arrays.fill(got, 0f);
                        ScalarGalleryKernels.codePanel(a, small, dim, codes, second, want);
                        kernels.codePanel(a, small, dim, codes, second, got);
                        assertArrayEquals(want, got, "code panel, " + what);
                    }
                }
            }
        }
    }

    private static int lanes() {
        CpuKernels k = CpuKernelsChoice.choose(0);
        return k instanceof ScalarKernels ? 8 : k.panelWidth() / 2;
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - r.nextDouble();
            out[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble())) + 0.01f;
        }
        return out;
    }
}
