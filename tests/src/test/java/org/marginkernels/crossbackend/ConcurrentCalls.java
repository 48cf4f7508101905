package org.marginkernels.crossbackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.marginkernels.Backend;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.testsupport.Problem;

/**
 * The shared-backend contract: several threads calling one {@link Backend} at the same moment (a barrier releases
 * them together) get bit-identical results to the same calls made alone. Each thread has its own problem, of a
 * different shape, and runs the fused step, the cosine matrix and top-k in turn, so workspaces of different sizes
 * are in use at once.
 */
final class ConcurrentCalls {

    private static final MarginSoftmax LOSS = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();

    private ConcurrentCalls() {
    }

    /** One thread's calls and what they returned. */
    private record Results(LossResult loss, float[] featureGrad, float[] weightGrad, float[] cosines, int[] indices,
            float[] scores) {
    }

    static void check(Backend shared, int threads, int rounds) throws Exception {
        List<Problem> problems = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            problems.add(Problem.random(100 + t, 5 + 7 * t, 17 + 16 * t, 300 + 211 * t, 0.2, 0.1));
        }
        List<Results> alone = new ArrayList<>();
        for (Problem p : problems) {
            alone.add(calls(shared, p));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Results>> futures = new ArrayList<>();
                for (Problem p : problems) {
                    Callable<Results> call = () -> {
                        start.await(30, TimeUnit.SECONDS);
                        return calls(shared, p);
                    };
                    futures.add(pool.submit(call));
                }
                for (int t = 0; t < threads; t++) {
                    Results got = futures.get(t).get(60, TimeUnit.SECONDS);
                    Results want = alone.get(t);
                    String what = shared.name() + " thread " + t + " round " + round;
                    assertEquals(want.loss(), got.loss(), what + " loss");
                    assertArrayEquals(want.featureGrad(), got.featureGrad(), what + " featureGrad");
                    assertArrayEquals(want.weightGrad(), got.weightGrad(), what + " weightGrad");
                    assertArrayEquals(want.cosines(), got.cosines(), what + " cosines");
                    assertArrayEquals(want.indices(), got.indices(), what + " topK indices");
                    assertArrayEquals(want.scores(), got.scores(), what + " topK scores");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Results calls(Backend b, Problem p) {
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        LossResult r = b.forwardBackward(LOSS, p.features(), p.weights(), p.labels(), p.dim(), gx, gw);
        float[] cos = new float[p.batch() * p.classes()];
        b.cosineLogits(p.features(), p.weights(), p.dim(), cos);
        int k = 3;
        int[] idx = new int[p.batch() * k];
        float[] sc = new float[p.batch() * k];
        b.topK(p.features(), p.weights(), p.dim(), k, idx, sc);
        return new Results(r, gx, gw, cos, idx, sc);
    }
}
