package org.marginkernels.benchmarks;

import java.util.concurrent.TimeUnit;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;
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
 * One ArcFace (m = 0.5, s = 64) training step through the public facade, {@link Backend#forwardBackward} (loss and
 * both gradients), and the loss alone, {@link Backend#forward}, at the face-recognition shapes "BxDxC". The report
 * counts 6 B C D flops for forward+backward (three GEMM-sized products) and 2 B C D for forward, so the ratio of
 * the two times is ideally 3: the backward's two GEMMs cost twice the forward's one.
 *
 * <p>The reference backend materializes B x C double matrices and is scalar: it has its own benchmark at the small
 * shapes ({@link ReferenceLossBenchmark}); asking this one for it at a shape above
 * {@link ReferenceLossBenchmark#MAX_LOGITS} logits fails in setup with that message.
 *
 * <p>How to run (the forks get -Xmx12g: the inputs and gradients alone are 4.2 GB at 1M classes):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MarginLossBenchmark -wi 2 -i 5 -f 1 -rf json -rff loss.json
 * java -jar benchmarks/target/benchmarks.jar MarginLossBenchmark -p shape=256x512x100000 -p backend=cpu -p threads=2
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx12g"})
@State(Scope.Benchmark)
public class MarginLossBenchmark {

    /** The backend name passed to {@link Backends#named(String)}. */
    @Param({"cpu"})
    public String backend;

    /** Worker threads of the backend ({@link BackendOptions#withThreads}); 0 means all processors. */
    @Param({"0"})
    public int threads;

    /**
     * The loss: "arcface" (m = 0.5, s = 64, the default every table uses) or a catalogue name
     * ({@link LossCatalogue#named}), such as curricularface, adaface, magface or elasticface-arc.
     */
    @Param({"arcface"})
    public String loss;

    /** "BxDxC": batch, embedding dimension, classes. */
    @Param({"256x512x10000", "256x512x100000", "512x128x10575", "128x512x1000000"})
    public String shape;

    private Backend impl;
    private MarginSoftmax margin;
    private LossState state;
    private LossProblem problem;

    @Setup(Level.Trial)
    public void setUp() {
        Shape s = Shape.parse(shape);
        if (backend.equals("reference") && (long) s.batch() * s.classes() > ReferenceLossBenchmark.MAX_LOGITS) {
            throw new IllegalArgumentException("the reference backend is excluded at shape " + s + ": it holds "
                    + "several B x C double matrices and takes minutes per step; use ReferenceLossBenchmark");
        }
        impl = Backends.named(backend, BackendOptions.defaults().withThreads(threads));
        margin = loss.equals("arcface") ? ArcFaceLosses.arcFace() : LossCatalogue.named(loss);
        state = LossState.empty();
        problem = LossProblem.random(s, margin.subCenters(), LossProblem.SEED);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        impl.close();
    }

    /** Loss and both gradients; the gradients land in the problem's buffers, the result is returned. */
    @Benchmark
    public LossResult forwardBackward() {
        return impl.forwardBackward(margin, problem.features(), problem.weights(), problem.labels(),
                problem.shape().dim(), problem.featureGrad(), problem.weightGrad());
    }

    /**
     * A training step through {@link Backend#step}: the batch statistics, the state rule and the binding of a stateful
     * loss (CurricularFace, AdaFace, ElasticFace) on top of {@link #forwardBackward}; the state is carried.
     */
    @Benchmark
    public StepResult step() {
        StepResult r = impl.step(margin, state, problem.features(), problem.weights(), problem.labels(),
                problem.shape().dim(), problem.featureGrad(), problem.weightGrad());
        state = r.state();
        return r;
    }

    /** The loss alone. */
    @Benchmark
    public LossResult forward() {
        return impl.forward(margin, problem.features(), problem.weights(), problem.labels(), problem.shape().dim());
    }
}
