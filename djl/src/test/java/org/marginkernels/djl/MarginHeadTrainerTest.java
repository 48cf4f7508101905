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
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * One step of DJL's own Trainer and SGD optimizer with the head: W moves by exactly -lr dL/dW, with dL/dW from the
 * margin-kernels backend called directly. Tolerance: 1e-6 relative to the largest |W| (one float32 multiply-add).
 */
class MarginHeadTrainerTest {

    private static final int BATCH = 6;
    private static final int DIM = 8;
    private static final int CLASSES = 13;
    private static final float LEARNING_RATE = 0.25f;

    @Test
    void sgdStepMovesWeightsByTheFusedGradient() {
        SplittableRandom random = new SplittableRandom(42);
        float[] x = MarginHeadGradientTest.gaussian(random, BATCH * DIM);
        float[] w = MarginHeadGradientTest.gaussian(random, CLASSES * DIM);
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = random.nextInt(CLASSES);
        }
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build();

        float[] expectedGrad = new float[w.length];
        float[] after;
        try (Backend backend = Backends.named("cpu");
                Model model = Model.newInstance("margin-head", "PyTorch")) {
            backend.forwardBackward(loss, x, w, y, DIM, new float[x.length], expectedGrad);
            MarginHead head = new MarginHead(loss, backend, CLASSES);
            model.setBlock(head);
            DefaultTrainingConfig config = new DefaultTrainingConfig(new MarginHeadLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(LEARNING_RATE)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, DIM));
                head.weight().getArray().set(w);
                NDManager manager = trainer.getManager();
                NDList data = new NDList(manager.create(x, new Shape(BATCH, DIM)));
                NDList labels = new NDList(manager.create(y));
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray value = trainer.getLoss().evaluate(labels, trainer.forward(data, labels));
                    collector.backward(value);
                }
                trainer.step();
                after = head.weight().getArray().toFloatArray();
            }
        }
        double largest = 0;
        for (float v : w) {
            largest = Math.max(largest, Math.abs(v));
        }
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i] - LEARNING_RATE * expectedGrad[i], after[i], 1e-6 * largest, "W[" + i + "]");
        }
        assertNotEquals(0, maxAbs(expectedGrad), "a zero gradient would make the check vacuous");
    }

    private static double maxAbs(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
