package org.marginkernels.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
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
 * One ArcFace training step (forward and backward, gradients of the embeddings and of W) inside DJL, four ways in
 * one run: DJL's own ArcFace (NDArray ops, autograd on libtorch 2.7.1), our {@link MarginHead} in its two
 * weight-gradient modes (through DJL's autograd, and DIRECT), and the fused step alone on Java arrays (what the head
 * costs beyond it is the bridging). libtorch and
 * the cpu backend both get {@code threads} threads (libtorch through {@code ai.djl.pytorch.num_threads}).
 *
 * <p>How to run: {@code bash scripts/djl-benchmark.sh} (builds the module, runs this class, prints a "vs DJL" table).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=2", "-Dai.djl.pytorch.num_interop_threads=1",
    "-Xmx6g"})
public class ArcFaceStepBenchmark {

    /** batch x dim x classes. */
    @Param({"256x512x100000"})
    public String shape;

    /** Threads of the cpu backend; libtorch's come from the fork's -Dai.djl.pytorch.num_threads. */
    @Param({"2"})
    public int threads;

    private int batch;
    private int dim;
    private int classes;
    private NDManager manager;
    private Backend backend;
    private MarginSoftmax loss;
    private AutogradArcFace djlArcFace;
    private MarginHead head;
    private MarginHead directHead;
    private NDArray features;
    private NDArray weights;
    private NDArray labels;
    private float[] x;
    private float[] w;
    private int[] y;
    private float[] featureGrad;
    private float[] weightGrad;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        batch = Integer.parseInt(parts[0]);
        dim = Integer.parseInt(parts[1]);
        classes = Integer.parseInt(parts[2]);
        SplittableRandom random = new SplittableRandom(2026);
        x = MarginHeadGradientTest.gaussian(random, batch * dim);
        w = MarginHeadGradientTest.gaussian(random, classes * dim);
        y = new int[batch];
        for (int i = 0; i < batch; i++) {
            y[i] = random.nextInt(classes);
        }
        featureGrad = new float[x.length];
        weightGrad = new float[w.length];
        manager = Engine.getEngine("PyTorch").newBaseManager();
        backend = Backends.named("cpu", BackendOptions.defaults().withThreads(threads));
        loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        djlArcFace = new AutogradArcFace(0.5, 64);
        features = manager.create(x, new Shape(batch, dim));
        features.setRequiresGradient(true);
        weights = manager.create(w, new Shape(classes, dim));
        weights.setRequiresGradient(true);
        labels = manager.create(y);
        head = newHead(MarginHead.WeightGradient.AUTOGRAD);
        directHead = newHead(MarginHead.WeightGradient.DIRECT);
    }

    private MarginHead newHead(MarginHead.WeightGradient mode) {
        MarginHead block = new MarginHead(loss, backend, classes, mode);
        block.initialize(manager, DataType.FLOAT32, new Shape(batch, dim));
        block.weight().getArray().set(w);
        return block;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
        backend.close();
    }

    /** DJL's own ArcFace: forward on the batch x classes logits and autograd's backward. */
    @Benchmark
    public float djlAutograd() {
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            scope.tempAttachAll(features, weights, labels);
            NDArray value = djlArcFace.loss(features, weights, labels);
            collector.backward(value);
            return value.getFloat();
        }
    }

    /** Our head inside DJL: reads the arrays, runs the fused step, autograd hands back the gradients. */
    @Benchmark
    public float marginHead() {
        return headStep(head);
    }

    /**
     * Our head in DIRECT mode: the fused step's dL/dW is added into W's gradient array by the head, autograd hands
     * back the embeddings' gradient.
     */
    @Benchmark
    public float marginHeadDirect() {
        return headStep(directHead);
    }

    private float headStep(MarginHead block) {
        try (NDManager scope = manager.newSubManager(); GradientCollector collector = newCollector()) {
            scope.tempAttachAll(features, labels);
            NDArray value = block.forward(new ParameterStore(scope, false), new NDList(features), new NDList(labels),
                    null).singletonOrThrow();
            collector.backward(value);
            return value.getFloat();
        }
    }

    /** The fused step alone on Java arrays: the floor the head's bridging adds to. */
    @Benchmark
    public double fusedStepOnly() {
        return backend.forwardBackward(loss, x, w, y, dim, featureGrad, weightGrad).loss();
    }

    private GradientCollector newCollector() {
        return manager.getEngine().newGradientCollector();
    }
}
