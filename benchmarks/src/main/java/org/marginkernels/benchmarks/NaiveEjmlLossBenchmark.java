package org.marginkernels.benchmarks;

import java.util.concurrent.TimeUnit;
import org.marginkernels.LossResult;
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
 * The naive EJML baseline ({@link NaiveEjmlMarginLoss}) on the same ArcFace step as {@link MarginLossBenchmark}:
 * materialized B x C float matrices and three EJML GEMMs, single-threaded ({@code CommonOps_FDRM}) or with EJML's
 * own threads ({@code CommonOps_MT_FDRM}). The 1M-class shape is left out by default: one step holds about
 * 2.5 GB of B x C matrices beside the 4.2 GB of inputs and gradients and takes most of a minute.
 *
 * <p>How to run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar NaiveEjmlLossBenchmark -wi 1 -i 2 -f 1 -rf json -rff ejml.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx8g"})
@State(Scope.Benchmark)
public class NaiveEjmlLossBenchmark {

    /** "BxDxC": batch, embedding dimension, classes. */
    @Param({"256x512x10000", "256x512x100000", "512x128x10575"})
    public String shape;

    /** false: CommonOps_FDRM (one thread); true: CommonOps_MT_FDRM (EJML's pool, all processors). */
    @Param({"false", "true"})
    public boolean concurrent;

    private NaiveEjmlMarginLoss loss;
    private LossProblem problem;

    @Setup(Level.Trial)
    public void setUp() {
        loss = new NaiveEjmlMarginLoss(ArcFaceLosses.MARGIN, ArcFaceLosses.SCALE, concurrent);
        problem = LossProblem.random(Shape.parse(shape), LossProblem.SEED);
    }

    /** Loss and both gradients. */
    @Benchmark
    public LossResult forwardBackward() {
        return loss.forwardBackward(problem.features(), problem.weights(), problem.labels(), problem.shape().dim(),
                problem.featureGrad(), problem.weightGrad());
    }
}
