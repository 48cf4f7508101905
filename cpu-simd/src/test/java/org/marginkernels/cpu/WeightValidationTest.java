package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;

/**
 * The cpu backend checks the weights inside its class-norm pass instead of letting the facade read them once more
 * ({@code KernelBackend.checksWeightRows}). It must reject exactly what the facade rejects, with the same message
 * (the lowest bad row, whichever worker saw it first), and write nothing: the reference backend, whose weights the
 * facade checks, is the oracle. 700 classes span three 256-class tiles, the last one partial.
 */
class WeightValidationTest {

    private static final int BATCH = 5;
    private static final int DIM = 7;
    private static final int CLASSES = 700;
    private static final float SENTINEL = -4321f;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String loss : new String[] {"arcFace", "adaCosDynamic", "svSoftmax"}) {
            for (int threads : new int[] {1, 2}) {
                for (boolean backward : new boolean[] {true, false}) {
                    b.add(Arguments.of("NaN in the first row", loss, threads, backward, corrupt(w -> w[3] = Float.NaN)));
                    b.add(Arguments.of("+inf at a tile's last class", loss, threads, backward,
                            corrupt(w -> w[255 * DIM + 6] = Float.POSITIVE_INFINITY)));
                    b.add(Arguments.of("-inf in the partial last tile", loss, threads, backward,
                            corrupt(w -> w[699 * DIM] = Float.NEGATIVE_INFINITY)));
                    b.add(Arguments.of("zero row", loss, threads, backward, corrupt(w -> zeroRow(w, 256))));
                    b.add(Arguments.of("norm 1.7e-20 < 1e-15", loss, threads, backward,
                            corrupt(w -> Arrays.fill(w, 300 * DIM, 301 * DIM, 1e-20f))));
                    b.add(Arguments.of("two bad rows in different tiles: the lower one is named", loss, threads,
                            backward, corrupt(w -> {
                                w[650 * DIM + 2] = Float.NaN;
                                zeroRow(w, 400);
                            })));
                    b.add(Arguments.of("two bad rows in one tile: the lower one is named", loss, threads,
                            backward, corrupt(w -> {
                                w[20 * DIM + 2] = Float.NaN;
                                zeroRow(w, 10);
                            })));
                }
            }
        }
        return b.build();
    }

    private static Consumer<float[]> corrupt(Consumer<float[]> c) {
        return c;
    }

    private static void zeroRow(float[] w, int row) {
        Arrays.fill(w, row * DIM, (row + 1) * DIM, 0f);
    }

    @ParameterizedTest(name = "{0}, {1}, {2} threads, backward {3}")
    @MethodSource("cases")
    void rejectsLikeTheFacade(String what, String lossName, int threads, boolean backward,
            Consumer<float[]> corruption) {
        MarginSoftmax loss = CpuTestSupport.catalogue().get(lossName);
        SplittableRandom random = new SplittableRandom(CpuTestSupport.SEED);
        float[] x = gaussian(random, BATCH * DIM);
        float[] w = gaussian(random, CLASSES * DIM);
        int[] y = {0, 255, 256, 699, 300};
        corruption.accept(w);

        String expected;
        try (Backend reference = Backends.named("reference")) {
            expected = assertThrows(IllegalArgumentException.class,
                    () -> reference.forward(loss, x, w, y, DIM)).getMessage();
        }
        assertTrue(expected.startsWith("weights"), expected);
        float[] xBefore = x.clone();
        float[] wBefore = w.clone();
        float[] gx = filled(x.length);
        float[] gw = filled(w.length);
        try (Backend cpu = Backends.named("cpu", BackendOptions.defaults().withThreads(threads))) {
            assertTrue(cpu.implementation().checksWeightRows(), "the cpu backend validates weights itself");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                if (backward) {
                    cpu.forwardBackward(loss, x, w, y, DIM, gx, gw);
                } else {
                    cpu.forward(loss, x, w, y, DIM);
                }
            });
            assertEquals(expected, e.getMessage(), what);
        }
        assertArrayEquals(filled(x.length), gx, "featureGrad must be untouched");
        assertArrayEquals(filled(w.length), gw, "weightGrad must be untouched");
        assertArrayEquals(xBefore, x, "features must be unchanged");
        assertArrayEquals(wBefore, w, "weights must be unchanged");
    }

    /**
     * A finite weight of 3e19 squares past the float range, but its row's double sum of squares is finite, so the
     * facade accepts it: the cpu backend must too (its vector sums run in float; the row is summed again in double)
     * and agree with the reference on the loss within the suite's bound 4 (s + 1) D eps (s = 64). D = 40, so the
     * row runs through the vector body at every species width.
     */
    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2})
    void acceptsAFiniteWeightWhoseSquareOverflowsAFloat(int threads) {
        int dim = 40;
        MarginSoftmax loss = CpuTestSupport.catalogue().get("arcFace");
        SplittableRandom random = new SplittableRandom(CpuTestSupport.SEED);
        float[] x = gaussian(random, BATCH * dim);
        float[] w = gaussian(random, CLASSES * dim);
        w[300 * dim + 4] = 3e19f;
        int[] y = {0, 255, 256, 699, 300};
        double expected;
        try (Backend reference = Backends.named("reference")) {
            expected = reference.forward(loss, x, w, y, dim).loss();
        }
        try (Backend cpu = Backends.named("cpu", BackendOptions.defaults().withThreads(threads))) {
            double actual = cpu.forwardBackward(loss, x, w, y, dim, new float[x.length], new float[w.length]).loss();
            assertEquals(expected, actual, 4 * 65 * dim * CpuTestSupport.EPS * Math.max(1, Math.abs(expected)));
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, SENTINEL);
        return a;
    }
}
