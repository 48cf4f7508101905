package org.marginkernels.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.LossDiagnostics;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/**
 * Trains an embedding model with a margin loss: the MLP maps inputs to embeddings, the library's backend computes
 * the margin head (loss, dL/dembeddings, dL/dclass weights) in one forwardBackward call, the MLP backpropagates
 * dL/dembeddings, and SGD updates the MLP and the class weights alike. Then evaluates with {@link Evaluation}.
 */
public final class Trainer {

    // class weights start with rows of norm ~1: the normalized head's gradient scales with 1 / |w|, so the
    // effective angular learning rate of the head starts equal to the model's
    private static final double HEAD_INIT_NORM = 1.0;
    // train accuracy is measured on every 4th batch: a nearest-class search costs a third of the head's step
    private static final int ACCURACY_EVERY = 4;

    private final TrainConfig config;
    private final PrintStream out;
    private final ShardOptions shards;

    /**
     * @param out receives progress lines (nothing when the config is quiet)
     */
    public Trainer(TrainConfig config, PrintStream out) {
        this(config, out, null);
    }

    /**
     * A trainer whose class weights are sharded over processes ({@link ShardedHead}); null trains unsharded.
     *
     * @param out receives progress lines (nothing when the config is quiet)
     */
    public Trainer(TrainConfig config, PrintStream out, ShardOptions shards) {
        this.config = config;
        this.out = out;
        this.shards = shards;
    }

    /**
     * The backend a name selects: "best" or a backend name.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws UnsupportedOperationException when the named backend cannot run here
     */
    public static Backend openBackend(String name, int threads) {
        BackendOptions options = BackendOptions.defaults().withThreads(threads);
        return name.equals("best") ? Backends.best(options) : Backends.named(name, options);
    }

    /** Trains on {@code split.train()} and evaluates on the other two parts. */
    public TrainingReport run(OpenSetSplit split) {
        MarginSoftmax loss = config.loss().build();
        try (Backend backend = openBackend(config.backend(), config.threads());
                RowParallel par = new RowParallel(config.resolvedThreads());
                ShardedHead shard = shards == null ? null : ShardedHead.join(shards, backend, loss,
                        split.train().classes(), config.embeddingDim())) {
            return run(split, loss, backend, par, shard);
        }
    }

    private TrainingReport run(OpenSetSplit split, MarginSoftmax loss, Backend backend, RowParallel par,
            ShardedHead shard) {
        Dataset train = split.train();
        int dim = config.embeddingDim();
        int classes = train.classes();
        int batch = Math.min(config.batch(), train.size());
        int stepsPerEpoch = train.size() / batch;
        int[] sizes = layerSizes(train.dim());
        Mlp model = new Mlp(sizes, config.seed(), par);
        // K rows per class for a sub-center loss (class c's at c K .. c K + K - 1)
        int sub = loss.subCenters();
        // sharded: this process's rows of the same initial matrix
        float[] initialHead = initialClassWeights(classes * sub, dim, config.seed() + 1);
        Parameter head = Parameter.of("classWeights", shard == null ? initialHead : shard.slice(initialHead), true);
        List<Parameter> params = new ArrayList<>(model.parameters());
        params.add(head);
        SgdMomentum optimizer = new SgdMomentum(config.momentum(), config.weightDecay());
        int totalSteps = config.epochs() * stepsPerEpoch;
        int warmup = Math.min(totalSteps - 1, (int) Math.round(config.warmupEpochs() * stepsPerEpoch));
        LearningRateSchedule schedule = new LearningRateSchedule(config.lr(), warmup, totalSteps);
        // the running statistics of a stateful loss (dynamic AdaCos's scale, CurricularFace's t), step to step
        LossState state = LossState.empty();
        java.util.Set<String> warned = new java.util.HashSet<>();
        if (!config.quiet()) {
            printHeader(split, sizes, count(model.parameters()), loss, backend.name(), stepsPerEpoch, batch, warmup);
        }

        float[] x = new float[batch * train.dim()];
        int[] y = new int[batch];
        float[] embGrad = new float[batch * dim];
        int[] order = identity(train.size());
        SplittableRandom shuffle = new SplittableRandom(config.seed() + 2);
        float[] stepLosses = new float[totalSteps];
        double[] epochLosses = new double[config.epochs()];
        double[] epochAccuracy = new double[config.epochs()];
        long headNanos = 0;
        long firstEpochHeadNanos = 0;
        double headFlops = 6.0 * batch * classes * sub * dim;
        long trainStart = System.nanoTime();
        int step = 0;
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            long epochStart = System.nanoTime();
            long epochHeadNanos = headNanos;
            shuffle(order, shuffle);
            double lossSum = 0;
            long correct = 0;
            long scored = 0;
            LossResult last = null;
            for (int s = 0; s < stepsPerEpoch; s++, step++) {
                gather(train, order, s * batch, x, y);
                float[] emb = model.forward(x, batch);
                long t0 = System.nanoTime();
                StepResult stepped = shard == null
                        ? backend.step(loss, state, emb, head.value(), y, dim, embGrad, head.grad())
                        : shard.step(state, emb, y, head.value(), embGrad, head.grad());
                LossResult result = stepped.result();
                headNanos += System.nanoTime() - t0;
                if (!Double.isFinite(result.loss())) {
                    throw new IllegalStateException("the loss became " + result.loss() + " at step " + step
                            + "; try a lower --lr or a smaller --scale");
                }
                state = stepped.state();
                for (String warning : result.diagnostics().map(LossDiagnostics::warnings).orElse(List.of())) {
                    // each kind of warning once a run: the first words name it
                    if (warned.add(warning.substring(0, Math.min(24, warning.length())))) {
                        out.println("warning (step " + step + "): " + warning);
                    }
                }
                last = result;
                if (s % ACCURACY_EVERY == 0) {
                    // nearest class weight before this step's update: the batch as the head scored it
                    int[] nearest = nearestClasses(backend, shard, emb, head.value(), dim, sub);
                    for (int r = 0; r < batch; r++) {
                        correct += nearest[r] == y[r] ? 1 : 0;
                    }
                    scored += batch;
                }
                model.backward(embGrad);
                optimizer.step(params, schedule.at(step));
                stepLosses[step] = (float) result.loss();
                lossSum += result.loss();
            }
            epochLosses[epoch] = lossSum / stepsPerEpoch;
            epochAccuracy[epoch] = (double) correct / scored;
            if (!config.quiet()) {
                double seconds = (System.nanoTime() - epochStart) / 1e9;
                out.printf(Locale.ROOT, "epoch %2d/%d  loss %7.4f  train acc %5.1f%%  lr %.4f  s %.1f  %,.0f samples/s"
                        + "  head %.2f ms/step  (%.1f s)%n", epoch + 1, config.epochs(), epochLosses[epoch],
                        100 * epochAccuracy[epoch], schedule.at(step - 1), last.scale(),
                        stepsPerEpoch * batch / seconds, (headNanos - epochHeadNanos) / 1e6 / stepsPerEpoch,
                        seconds);
            }
            if (shard != null) {
                shard.printTimes(out, stepsPerEpoch);
            }
            if (epoch == 0) {
                firstEpochHeadNanos = headNanos;
            }
        }
        long trainNanos = System.nanoTime() - trainStart;

        Evaluation.Verification ver = Evaluation.verify(backend, model, split.verification(), config.pairsPerKind(),
                config.seed() + 3, config.threads());
        Dataset closedSet = split.closedSetTest();
        double closed = Evaluation.accuracy(
                nearestClasses(backend, shard, Embedder.embed(model, closedSet), head.value(), dim, sub),
                closedSet.labels());
        return new TrainingReport(backend.name(), loss.toString(), stepLosses, epochLosses, epochAccuracy,
                ver.accuracy(), ver.tarAtFar(), ver.identification(), closed, ver.genuineScores(), ver.impostorScores(), totalSteps,
                headNanos, totalSteps - stepsPerEpoch, headNanos - firstEpochHeadNanos, headFlops * totalSteps, (long) totalSteps * batch, trainNanos);
    }

    /**
     * The class of the nearest class weight by cosine (the best sub-center's class for K &gt; 1) of each row, over
     * every rank's classes when sharded, where each rank searches only its own rows of W.
     */
    private static int[] nearestClasses(Backend backend, ShardedHead shard, float[] embeddings, float[] weights,
            int dim, int sub) {
        if (shard != null) {
            return shard.nearestClass(embeddings, weights);
        }
        int rows = embeddings.length / dim;
        int[] best = new int[rows];
        backend.topK(embeddings, weights, dim, 1, best, new float[rows]);
        for (int r = 0; r < rows; r++) {
            best[r] /= sub;
        }
        return best;
    }

    private void printHeader(OpenSetSplit split, int[] sizes, long parameters, MarginSoftmax loss, String backend,
            int stepsPerEpoch, int batch, int warmup) {
        Dataset train = split.train();
        out.printf(Locale.ROOT, "data:     %s, %d training samples of %d classes, %d closed-set test samples,"
                + " %d held-out samples of %d unseen classes%n", train.name(), train.size(), train.classes(),
                split.closedSetTest().size(), split.verification().size(), split.verification().classes());
        out.printf(Locale.ROOT, "model:    MLP %s (ReLU), %,d parameters + class weights %d x %d%n",
                Arrays.toString(sizes), parameters, train.classes(), config.embeddingDim());
        out.printf(Locale.ROOT, "loss:     %s%n", loss);
        out.printf(Locale.ROOT, "backend:  %s; %d threads; %d epochs x %d steps of %d; SGD lr %.3g momentum %.2f"
                + " weight decay %.1e, warm-up %d steps then cosine%n", backend, config.resolvedThreads(),
                config.epochs(), stepsPerEpoch, batch, config.lr(), config.momentum(), config.weightDecay(), warmup);
    }

    private int[] layerSizes(int inputDim) {
        int[] hidden = config.hidden();
        int[] sizes = new int[hidden.length + 2];
        sizes[0] = inputDim;
        System.arraycopy(hidden, 0, sizes, 1, hidden.length);
        sizes[sizes.length - 1] = config.embeddingDim();
        return sizes;
    }

    private static float[] initialClassWeights(int classes, int dim, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[classes * dim];
        double std = HEAD_INIT_NORM / Math.sqrt(dim);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return w;
    }

    private static void gather(Dataset data, int[] order, int from, float[] x, int[] y) {
        int dim = data.dim();
        for (int r = 0; r < y.length; r++) {
            int i = order[from + r];
            System.arraycopy(data.inputs(), i * dim, x, r * dim, dim);
            y[r] = data.labels()[i];
        }
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    // Fisher-Yates
    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static long count(List<Parameter> params) {
        long n = 0;
        for (Parameter p : params) {
            n += p.value().length;
        }
        return n;
    }
}
