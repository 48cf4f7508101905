package org.marginkernels.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossDiagnostics;
import org.marginkernels.MarginSoftmax;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the step's diagnostics cost: everything {@link LossDiagnostics} adds to a fused step is its builder fed one
 * row at a time with values the pass has anyway (target cosine, log p_y, row log-sum-exp, top-1), then built with its
 * warnings. This measures that work for a batch of {@code batch} rows, to set beside the step time of
 * {@link MarginLossBenchmark} at the same batch: the ratio is the cost of diagnostics on against off, which no
 * switch can measure more directly because the fused plan has no "off".
 *
 * <p>How to run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar DiagnosticsBenchmark -p batch=256
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class DiagnosticsBenchmark {

    /** Rows of the batch. */
    @Param({"256"})
    public int batch;

    private MarginSoftmax loss;
    private double[] cosines;
    private double[] logProbs;
    private double[] logSumExps;
    private boolean[] top1;

    @Setup(Level.Trial)
    public void setUp() {
        loss = LossCatalogue.named("arcface");
        SplittableRandom r = new SplittableRandom(LossProblem.SEED);
        cosines = new double[batch];
        logProbs = new double[batch];
        logSumExps = new double[batch];
        top1 = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            cosines[i] = r.nextDouble(-1, 1);
            logProbs[i] = -r.nextDouble(0, 40);
            logSumExps[i] = r.nextDouble(10, 70);
            top1[i] = r.nextBoolean();
        }
    }

    /** The diagnostics of one batch, as the fused plan builds them (100 000 classes, scale 64). */
    @Benchmark
    public LossDiagnostics diagnostics() {
        LossDiagnostics.Builder b = new LossDiagnostics.Builder(loss, 100_000, 64);
        for (int i = 0; i < batch; i++) {
            b.row(cosines[i], logProbs[i], logSumExps[i], top1[i]);
        }
        return b.build();
    }
}
