package org.marginkernels.shard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.marginkernels.Backend;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;
import org.marginkernels.spi.ArgumentChecks;
import org.marginkernels.spi.ClassShard;

/**
 * One rank of a class-sharded (model-parallel) margin softmax loss (Partial FC, An et al., ICCVW 2021, section 3.1):
 * the rank owns classes [first, end) of W and their dW; a step all-gathers the ranks' embeddings and labels, runs
 * the fused plan over the rank's classes with the per-row partials merged across ranks (so the loss, the scale and
 * a stateful loss's batch statistics are those of the whole batch over all classes), writes the rank's dW rows and
 * all-reduces dX, of which the rank keeps its own rows. Class weights never move.
 *
 * <p>With a {@link PartialFcSampler} a step uses, per rank, the positive classes of the gathered batch plus random
 * negatives: the loss and gradients are exactly those of the softmax over the sampled classes, and dW is zero on
 * the rows not sampled (PartialFC_V2).
 *
 * <p>Every rank calls {@link #step} with its own rows; all ranks' calls of a step meet in the collectives. One step
 * at a time per object.
 */
public final class ShardedMarginSoftmax {

    private final Backend backend;
    private final TimedExchange exchange;
    private final MarginSoftmax loss;
    private final int classes;
    private final ClassRange range;
    private final ClassRange[] ranges;
    private final int dim;
    private final PartialFcSampler sampler;
    private long steps;
    // the sampled step's W and dW rows, kept from step to step (the sample's size rarely changes): at 1M classes
    // on 2 ranks, rate 0.1 and D = 512 each is 100 MB, which fresh arrays would allocate and zero every step
    private float[] sampledRows = new float[0];
    private float[] sampledGradRows = new float[0];

    /**
     * Joins the ranks: every rank constructs its object with the same loss, classes and dim, and ranges that cover
     * [0, classes) in rank order without gaps (checked with one all-gather).
     *
     * @param backend a backend that runs class shards (cpu). Not closed here.
     * @param collectives the group; this object's rank owns {@code range}
     * @param loss the loss. Not modified.
     * @param classes the classes of all ranks together
     * @param range the classes this rank owns
     * @param dim the embedding dimension
     * @param sampler Partial FC sampling, or null for the full softmax
     * @throws IllegalArgumentException if an argument is invalid or the ranks' ranges do not tile [0, classes)
     * @throws CollectiveException if a rank does not join within the timeout
     */
    public ShardedMarginSoftmax(Backend backend, Collectives collectives, MarginSoftmax loss, int classes,
            ClassRange range, int dim, PartialFcSampler sampler) {
        this.backend = ArgumentChecks.notNull("backend", backend);
        this.exchange = new TimedExchange(ArgumentChecks.notNull("collectives", collectives));
        this.loss = ArgumentChecks.notNull("loss", loss);
        this.range = ArgumentChecks.notNull("range", range);
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be > 0, got " + dim);
        }
        if (range.end() > classes) {
            throw new IllegalArgumentException("range must lie in [0, classes = " + classes + "), got " + range);
        }
        this.classes = classes;
        this.dim = dim;
        this.sampler = sampler;
        this.ranges = gatherRanges();
    }

    private ClassRange[] gatherRanges() {
        int lossHash = loss.toString().hashCode();
        int[][] all = exchange.allGather(new int[] {range.first(), range.end(), classes, dim, lossHash});
        ClassRange[] out = new ClassRange[all.length];
        int next = 0;
        for (int r = 0; r < all.length; r++) {
            if (all[r][2] != classes || all[r][3] != dim) {
                throw new IllegalArgumentException("every rank must use the same classes and dim: rank "
                        + exchange.rank() + " has (" + classes + ", " + dim + "), rank " + r + " has ("
                        + all[r][2] + ", " + all[r][3] + ")");
            }
            if (all[r][4] != lossHash) {
                throw new IllegalArgumentException("every rank must use the same loss: rank " + r + "'s differs from "
                        + "rank " + exchange.rank() + "'s " + loss);
            }
            if (all[r][0] != next) {
                throw new IllegalArgumentException("ranges must tile [0, " + classes + ") in rank order: rank " + r
                        + " starts at " + all[r][0] + ", expected " + next);
            }
            out[r] = new ClassRange(all[r][0], all[r][1]);
            next = all[r][1];
        }
        if (next != classes) {
            throw new IllegalArgumentException("ranges must tile [0, " + classes + "): the last ends at " + next);
        }
        return out;
    }

    /** The classes this rank owns. */
    public ClassRange range() {
        return range;
    }

    /** Every rank's classes, indexed by rank. */
    public List<ClassRange> ranges() {
        return List.of(ranges);
    }

    /**
     * One step: the loss of the gathered batch (every rank's rows, in rank order) over all classes.
     *
     * @param state the loss state of the previous step (the same on every rank). Not modified.
     * @param features this rank's rows, rows x dim, raw. Not modified.
     * @param labels this rank's rows' global labels or the ignore label. Not modified.
     * @param weights this rank's class rows, range.count() x (sub-centers) x dim, raw. Not modified.
     * @param featureGrad receives dL/dfeatures of this rank's rows, or null. Modified.
     * @param weightGrad receives dL/dweights of this rank's classes (zero on rows a sampler left out), or null.
     *     Modified.
     * @return the result (identical on every rank) and the step's compute and communication time
     * @throws IllegalArgumentException on invalid arguments (on a rank's own shapes before any exchange; on the
     *     gathered batch, on every rank alike)
     * @throws CollectiveException if a rank does not take part within the timeout
     */
    public ShardedStep step(LossState state, float[] features, int[] labels, float[] weights, float[] featureGrad,
            float[] weightGrad) {
        checkStep(features, labels, weights, featureGrad, weightGrad);
        long start = System.nanoTime();
        exchange.reset();
        return run(start, state, gatherBatch(features, labels), weights, featureGrad, weightGrad);
    }

    /**
     * One step on a batch that every rank already holds whole (a replicated model computed the same embeddings on
     * every rank): nothing is gathered, and each rank receives dL/dfeatures of every row. Every rank must pass the
     * same features and labels, bit for bit; arguments and results as for {@link #step}.
     */
    public ShardedStep stepWholeBatch(LossState state, float[] features, int[] labels, float[] weights,
            float[] featureGrad, float[] weightGrad) {
        checkStep(features, labels, weights, featureGrad, weightGrad);
        long start = System.nanoTime();
        exchange.reset();
        // ranks that disagree on the batch would merge partials of different rows: fail instead, on every rank
        int[][] sums = exchange.allGather(new int[] {Arrays.hashCode(features), Arrays.hashCode(labels)});
        for (int r = 0; r < sums.length; r++) {
            if (!Arrays.equals(sums[r], sums[exchange.rank()])) {
                throw new IllegalArgumentException("features and labels must be the same on every rank in "
                        + "stepWholeBatch: rank " + r + "'s differ from rank " + exchange.rank() + "'s");
            }
        }
        return run(start, state, new Batch(features, labels, null), weights, featureGrad, weightGrad);
    }

    private ShardedStep run(long start, LossState state, Batch batch, float[] weights, float[] featureGrad,
            float[] weightGrad) {
        // a whole batch's dX has featureGrad's shape: the step writes this rank's share there and it is summed in
        // place; a gathered batch's dX spans every rank's rows
        float[] dx = featureGrad == null || batch.rowCounts == null ? featureGrad : new float[batch.features.length];
        StepResult result = sampler == null
                ? backend.step(loss, state, batch.features, weights, batch.labels, dim, dx, weightGrad,
                        new ClassShard(range.first(), classes, exchange))
                : sampledStep(state, batch, weights, dx, weightGrad);
        if (dx != null && batch.rowCounts == null) {
            exchange.allReduceSum(dx);
        } else if (dx != null) {
            // each rank needs only its own rows of the summed dX: a reduce-scatter
            int[] counts = new int[batch.rowCounts.length];
            for (int r = 0; r < counts.length; r++) {
                counts[r] = batch.rowCounts[r] * dim;
            }
            System.arraycopy(exchange.reduceScatterSum(dx, counts), 0, featureGrad, 0, featureGrad.length);
        }
        steps++;
        long total = System.nanoTime() - start;
        return new ShardedStep(result, total - exchange.nanos(), exchange.nanos(), exchange.bytesOut(),
                exchange.calls(), batch.labels.length);
    }

    private void checkStep(float[] features, int[] labels, float[] weights, float[] featureGrad,
            float[] weightGrad) {
        ArgumentChecks.notNull("features", features);
        ArgumentChecks.notNull("labels", labels);
        ArgumentChecks.notNull("weights", weights);
        if ((long) labels.length * dim != features.length) {
            throw new IllegalArgumentException("features must hold labels.length x dim = " + labels.length + " x "
                    + dim + " floats, got " + features.length);
        }
        long rowFloats = (long) loss.subCenters() * dim;
        if (weights.length != range.count() * rowFloats) {
            throw new IllegalArgumentException("weights must hold range.count() x subCenters x dim = "
                    + range.count() + " x " + loss.subCenters() + " x " + dim + " floats, got " + weights.length);
        }
        ArgumentChecks.length("featureGrad", featureGrad, features.length, "the shape of features");
        if (featureGrad == features) {
            throw new IllegalArgumentException("featureGrad must not be the features array");
        }
        ArgumentChecks.length("weightGrad", weightGrad, weights.length, "the shape of weights");
    }

    /**
     * The class of highest cosine for each row of a whole batch (every rank passes the same rows), over every rank's
     * classes: each rank searches its own rows of W, then one all-gather of (score, class) per row; ties go to the
     * lower class. For monitoring (train accuracy), not part of a step.
     *
     * @param features rows x dim, the same on every rank. Not modified.
     * @param weights this rank's class rows (K rows per class for K sub-centers). Not modified.
     * @return the best class per row
     */
    public int[] nearestClass(float[] features, float[] weights) {
        int rows = features.length / dim;
        int sub = loss.subCenters();
        int[] index = new int[rows];
        float[] score = new float[rows];
        backend.topK(features, weights, dim, 1, index, score);
        double[] offer = new double[2 * rows];
        for (int i = 0; i < rows; i++) {
            offer[i] = score[i];
            offer[rows + i] = range.first() + index[i] / sub;
        }
        double[][] all = exchange.allGather(offer);
        int[] best = new int[rows];
        for (int i = 0; i < rows; i++) {
            double top = Double.NEGATIVE_INFINITY;
            for (double[] part : all) {
                // ranks in class order: a strictly higher score wins, so a tie keeps the lower class
                if (part[i] > top) {
                    top = part[i];
                    best[i] = (int) part[rows + i];
                }
            }
        }
        return best;
    }

    /** The step over the sampled classes: their rows copied out, labels remapped, dW scattered back. */
    private StepResult sampledStep(LossState state, Batch batch, float[] weights, float[] dx, float[] weightGrad) {
        int[] sample = sampler.sample(batch.labels, loss.ignoreLabel(), range, steps);
        // firsts[r]: where rank r's sample starts in the sampled numbering
        int[][] all = exchange.allGather(new int[] {sample.length});
        int[] firsts = new int[all.length];
        int total = 0;
        for (int r = 0; r < all.length; r++) {
            firsts[r] = total;
            total += all[r][0];
        }
        int offset = firsts[exchange.rank()];
        int[] remapped = remap(batch.labels, sample, firsts, offset);
        ClassShard shard = new ClassShard(offset, total, exchange);
        if (sample.length == range.count()) {
            // every class of the range is sampled (rate 1, or positives everywhere): the rows are W itself
            return backend.step(loss, state, batch.features, weights, remapped, dim, dx, weightGrad, shard);
        }
        int rowFloats = loss.subCenters() * dim;
        // the backend takes the class count from the array's length, so the arrays are exactly the sample's size
        if (sampledRows.length != sample.length * rowFloats) {
            sampledRows = new float[sample.length * rowFloats];
            sampledGradRows = weightGrad == null ? new float[0] : new float[sampledRows.length];
        } else if (weightGrad != null && sampledGradRows.length != sampledRows.length) {
            sampledGradRows = new float[sampledRows.length];
        }
        float[] sampled = sampledRows;
        for (int k = 0; k < sample.length; k++) {
            System.arraycopy(weights, (sample[k] - range.first()) * rowFloats, sampled, k * rowFloats, rowFloats);
        }
        float[] sampledGrad = weightGrad == null ? null : sampledGradRows;
        StepResult result = backend.step(loss, state, batch.features, sampled, remapped, dim, dx, sampledGrad,
                shard);
        if (weightGrad != null) {
            Arrays.fill(weightGrad, 0f);
            for (int k = 0; k < sample.length; k++) {
                System.arraycopy(sampledGrad, k * rowFloats, weightGrad, (sample[k] - range.first()) * rowFloats,
                        rowFloats);
            }
        }
        return result;
    }

    /**
     * Labels in the sampled numbering (rank r's sample starts at firsts[r]): this rank's classes by
     * their position in its sample; another rank's classes by that rank's first sampled index, since the plan reads
     * only whether a row's class is this rank's (ClassShard#owns).
     */
    private int[] remap(int[] labels, int[] sample, int[] firsts, int offset) {
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y == loss.ignoreLabel() || y < 0 || y >= classes) {
                // left for the backend's label check to report
                out[i] = y;
            } else if (y >= range.first() && y < range.end()) {
                out[i] = offset + Arrays.binarySearch(sample, y);
            } else {
                out[i] = firsts[owner(y)];
            }
        }
        return out;
    }

    private int owner(int y) {
        int lo = 0;
        int hi = ranges.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (ranges[mid].first() <= y) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The ranks' rows in rank order, and where this rank's start. */
    private Batch gatherBatch(float[] features, int[] labels) {
        ByteBuffer mine = ByteBuffer.allocate(4 + 4 * labels.length + 4 * features.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        mine.putInt(labels.length);
        mine.asIntBuffer().put(labels);
        mine.position(4 + 4 * labels.length);
        mine.asFloatBuffer().put(features);
        byte[][] parts = exchange.allGather(mine.array());
        int rows = 0;
        int[] rowCounts = new int[parts.length];
        for (int r = 0; r < parts.length; r++) {
            rowCounts[r] = ByteBuffer.wrap(parts[r]).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            rows += rowCounts[r];
        }
        int[] allLabels = new int[rows];
        float[] allFeatures = new float[rows * dim];
        int row = 0;
        for (byte[] part : parts) {
            ByteBuffer b = ByteBuffer.wrap(part).order(ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt(0);
            b.position(4);
            b.slice().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(allLabels, row, n);
            b.position(4 + 4 * n);
            b.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(allFeatures, row * dim, n * dim);
            row += n;
        }
        return new Batch(allFeatures, allLabels, rowCounts);
    }

    /** @param rowCounts each rank's rows, in rank order; null when every rank holds the whole batch */
    private record Batch(float[] features, int[] labels, int[] rowCounts) {
    }
}
