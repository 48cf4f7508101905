package org.marginkernels.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.marginkernels.Backend;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;
import org.marginkernels.shard.ClassRange;
import org.marginkernels.shard.HazelcastCollectives;
import org.marginkernels.shard.HazelcastSettings;
import org.marginkernels.shard.ShardedMarginSoftmax;
import org.marginkernels.shard.ShardedStep;

/**
 * The margin head of one process of a class-sharded run: this process holds its rows of the class weights and their
 * gradient, and every step exchanges only per-row values and dL/dembeddings with the other processes through
 * Hazelcast. The model is replicated (every process computes the whole batch's embeddings from the same seed), so
 * the head steps on the whole batch ({@link ShardedMarginSoftmax#stepWholeBatch}).
 */
final class ShardedHead implements AutoCloseable {

    private final ShardOptions options;
    private final HazelcastCollectives collectives;
    private final ShardedMarginSoftmax head;
    private final int rowFloats;
    private long computeNanos;
    private long communicationNanos;
    private long bytesOut;

    private ShardedHead(ShardOptions options, HazelcastCollectives collectives, ShardedMarginSoftmax head,
            int rowFloats) {
        this.options = options;
        this.collectives = collectives;
        this.head = head;
        this.rowFloats = rowFloats;
    }

    /** Joins the other processes and takes this rank's even share of the classes. */
    static ShardedHead join(ShardOptions options, Backend backend, MarginSoftmax loss, int classes, int dim) {
        HazelcastSettings settings = HazelcastSettings.loopback("margin-kernels-train", options.basePort(),
                options.shards(), options.rank(), options.timeout(), Duration.ofSeconds(60));
        HazelcastCollectives collectives = HazelcastCollectives.join(settings);
        try {
            ClassRange range = ClassRange.even(classes, options.rank(), options.shards());
            return new ShardedHead(options, collectives, new ShardedMarginSoftmax(backend, collectives, loss, classes,
                    range, dim, null), loss.subCenters() * dim);
        } catch (RuntimeException e) {
            collectives.close();
            throw e;
        }
    }

    /** This rank's rows of the whole class weight matrix. */
    float[] slice(float[] all) {
        ClassRange r = head.range();
        return Arrays.copyOfRange(all, r.first() * rowFloats, r.end() * rowFloats);
    }

    /** One step of the head on the whole batch; {@code weights} and {@code weightGrad} are this rank's rows. */
    StepResult step(LossState state, float[] embeddings, int[] labels, float[] weights, float[] embGrad,
            float[] weightGrad) {
        ShardedStep s = head.stepWholeBatch(state, embeddings, labels, weights, embGrad, weightGrad);
        computeNanos += s.computeNanos();
        communicationNanos += s.communicationNanos();
        bytesOut += s.bytesOut();
        return s.result();
    }

    /** The nearest class of each row over every rank's classes. */
    int[] nearestClass(float[] embeddings, float[] weights) {
        return head.nearestClass(embeddings, weights);
    }

    /** Prints this rank's compute and communication per step since the last call, and resets the counters. */
    void printTimes(PrintStream out, int steps) {
        double compute = computeNanos / 1e6 / steps;
        double comm = communicationNanos / 1e6 / steps;
        out.printf(Locale.ROOT, "  rank %d/%d classes [%d, %d): head %.2f ms/step = compute %.2f + communication %.2f"
                + " (%.0f%%), %,d bytes out/step%n", options.rank(), options.shards(), head.range().first(),
                head.range().end(), compute + comm, compute, comm, 100 * comm / Math.max(1e-9, compute + comm),
                bytesOut / steps);
        computeNanos = 0;
        communicationNanos = 0;
        bytesOut = 0;
    }

    @Override
    public void close() {
        collectives.close();
    }
}
