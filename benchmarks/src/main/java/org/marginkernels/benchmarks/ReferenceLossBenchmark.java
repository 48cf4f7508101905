package org.marginkernels.benchmarks;

import java.util.concurrent.TimeUnit;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The scalar double-precision reference backend on the same ArcFace step as {@link MarginLossBenchmark}, only at
 * the shapes where it fits: it materializes about five B x C double matrices (205 MB each at 256 x 100k classes)
 * and runs unblocked scalar loops, so at 100k classes and more one step takes minutes.
 *
 * <p>How to run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ReferenceLossBenchmark -wi 1 -i 2 -f 1 -rf json -rff reference.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx4g"})
@State(Scope.Benchmark)
public class ReferenceLossBenchmark {

    /** The largest B x C this benchmark (and {@link MarginLossBenchmark}) runs the reference at. */
    public static final long MAX_LOGITS = 6_000_000L;

    /** "BxDxC": batch, embedding dimension, classes. */
    @Param({"256x512x10000", "512x128x10575"})
    public String shape;

    private Backend impl;
    private MarginSoftmax loss;
    private LossProblem problem;

    @Setup(Level.Trial)
    public void setUp() {
        Shape s = Shape.parse(shape);
        if ((long) s.batch() * s.classes() > MAX_LOGITS) {
            throw new IllegalArgumentException("the reference backend is excluded at shape " + s + ": B x C = "
                    + (long) s.batch() * s.classes() + " > " + MAX_LOGITS + " logits");
        }
        impl = Backends.named("reference");
        loss = ArcFaceLosses.arcFace();
        problem = LossProblem.random(s, LossProblem.SEED);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        impl.close();
    }

    /** Loss and both gradients. */
    @Benchmark
    public LossResult forwardBackward() {
        return impl.forwardBackward(loss, problem.features(), problem.weights(), problem.labels(),
                problem.shape().dim(), problem.featureGrad(), problem.weightGrad());
    }
}
