package org.marginkernels.shard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.marginkernels.Backend;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;

/**
 * Runs a problem for some steps on P thread ranks, each owning a range of classes and a share of the rows, and
 * assembles what they computed: per step the loss (checked equal on every rank), and the last step's full dX (rows
 * in rank order) and dW (ranges in rank order).
 */
final class ShardRun {

    record Outcome(double[] losses, double[] scales, float[] featureGrad, float[] weightGrad, LossState state) {
    }

    private ShardRun() {
    }

    /** Class boundaries b_0 = 0 &lt; b_1 &lt; ... &lt; b_P = classes: rank r owns [b_r, b_(r+1)). */
    static Outcome run(Backend backend, MarginSoftmax loss, Problem p, int[] bounds, int steps,
            PartialFcSampler sampler) throws Exception {
        int ranks = bounds.length - 1;
        List<Collectives> group = ThreadCollectives.group(ranks, Duration.ofSeconds(20));
        int sub = loss.subCenters();
        int rowFloats = sub * p.dim();
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    ClassRange range = new ClassRange(bounds[rank], bounds[rank + 1]);
                    int row0 = p.batch() * rank / ranks;
                    int row1 = p.batch() * (rank + 1) / ranks;
                    float[] x = Arrays.copyOfRange(p.features(), row0 * p.dim(), row1 * p.dim());
                    int[] y = Arrays.copyOfRange(p.labels(), row0, row1);
                    float[] w = Arrays.copyOfRange(p.weights(), range.first() * rowFloats, range.end() * rowFloats);
                    float[] dx = new float[x.length];
                    float[] dw = new float[w.length];
                    ShardedMarginSoftmax sharded = new ShardedMarginSoftmax(backend, group.get(rank), loss,
                            p.classes(), range, p.dim(), sampler);
                    double[] losses = new double[steps];
                    double[] scales = new double[steps];
                    LossState state = LossState.empty();
                    for (int s = 0; s < steps; s++) {
                        ShardedStep step = sharded.step(state, x, y, w, dx, dw);
                        losses[s] = step.result().result().loss();
                        scales[s] = step.result().result().scale();
                        state = step.result().state();
                    }
                    return new Outcome(losses, scales, dx, dw, state);
                }));
            }
            List<Outcome> outs = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                outs.add(f.get(60, TimeUnit.SECONDS));
            }
            for (Outcome o : outs) {
                if (!Arrays.equals(o.losses(), outs.get(0).losses()) || !o.state().equals(outs.get(0).state())) {
                    throw new AssertionError("ranks disagree on the loss or state: " + Arrays.toString(o.losses())
                            + " vs " + Arrays.toString(outs.get(0).losses()));
                }
            }
            float[] dx = new float[p.features().length];
            float[] dw = new float[p.weights().length];
            int xAt = 0;
            int wAt = 0;
            for (Outcome o : outs) {
                System.arraycopy(o.featureGrad(), 0, dx, xAt, o.featureGrad().length);
                xAt += o.featureGrad().length;
                System.arraycopy(o.weightGrad(), 0, dw, wAt, o.weightGrad().length);
                wAt += o.weightGrad().length;
            }
            Outcome first = outs.get(0);
            return new Outcome(first.losses(), first.scales(), dx, dw, first.state());
        } finally {
            pool.shutdownNow();
            group.forEach(Collectives::close);
        }
    }

    /** Boundaries of an even split of {@code classes} over {@code ranks}. */
    static int[] even(int classes, int ranks) {
        int[] b = new int[ranks + 1];
        for (int r = 0; r <= ranks; r++) {
            b[r] = r == ranks ? classes : ClassRange.even(classes, r, ranks).first();
        }
        return b;
    }
}
