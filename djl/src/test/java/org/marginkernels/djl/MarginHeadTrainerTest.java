package org.marginkernels.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Steps of DJL's own Trainer and SGD optimizer with the head, in both weight-gradient modes: each step moves W by
 * exactly -lr dL/dW, with dL/dW from the margin-kernels backend called directly at that step's W. Three steps, so
 * that DIRECT mode's first step (through autograd, which makes W's gradient array) and the direct ones after it are
 * all checked, and its probe accepts DJL's loop. Tolerance: 1e-6 relative to the largest |W| (one float32
 * multiply-add).
 */
class MarginHeadTrainerTest {

    private static final int BATCH = 6;
    private static final int DIM = 8;
    private static final int CLASSES = 13;
    private static final int STEPS = 3;
    private static final float LEARNING_RATE = 0.25f;

    @ParameterizedTest
    @EnumSource(MarginHead.WeightGradient.class)
    void sgdStepsMoveWeightsByTheFusedGradient(MarginHead.WeightGradient mode) {
        SplittableRandom random = new SplittableRandom(42);
        float[] x = MarginHeadGradientTest.gaussian(random, BATCH * DIM);
        float[] w = MarginHeadGradientTest.gaussian(random, CLASSES * DIM);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = random.nextInt(CLASSES);
        }
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build();

        try (Backend backend = Backends.named("cpu");
                Model model = Model.newInstance("margin-head", "PyTorch")) {
            MarginHead head = new MarginHead(loss, backend, CLASSES, mode);
            model.setBlock(head);
            DefaultTrainingConfig config = new DefaultTrainingConfig(new MarginHeadLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, DIM));
                head.weight().getArray().set(w);
                NDManager manager = trainer.getManager();
                for (int step = 0; step < STEPS; step++) {
                    float[] before = head.weight().getArray().toFloatArray();
                    float[] expectedGrad = new float[before.length];
                    backend.forwardBackward(loss, x, before, y, DIM, new float[x.length], expectedGrad);
                    NDList data = new NDList(manager.create(x, new Shape(BATCH, DIM)));
                    NDList labels = new NDList(manager.create(y));
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray value = trainer.getLoss().evaluate(labels, trainer.forward(data, labels));
                        collector.backward(value);
                    }
                    trainer.step();
                    float[] after = head.weight().getArray().toFloatArray();
                    double largest = MarginHeadGradientTest.maxAbs(before);
                    for (int i = 0; i < before.length; i++) {
                        assertEquals(before[i] - LEARNING_RATE * expectedGrad[i], after[i], 1e-6 * largest,
                                mode + " step " + step + " W[" + i + "]");
                    }
                    assertNotEquals(0, MarginHeadGradientTest.maxAbs(expectedGrad), "a zero gradient would make the check vacuous");
                }
            }
        }
    }
}
