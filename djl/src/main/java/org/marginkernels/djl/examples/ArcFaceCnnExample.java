package org.marginkernels.djl.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.djl.MarginHead;
import org.marginkernels.djl.MarginHeadLoss;

/**
 * Trains a small CNN with DJL's Trainer and Adam, with margin-kernels' fused ArcFace head (m = 0.5, s = 30) on top
 * of a 64-dimensional embedding, on {@link SyntheticGlyphs}. Prints the mean training loss and the held-out
 * accuracy (nearest class weight by cosine) per epoch. DJL's {@code EasyTrain} back-propagates the head's loss once
 * per batch with weight 1, so the head runs in {@link MarginHead.WeightGradient#DIRECT} mode (the argument
 * {@code autograd} selects the default mode instead). Run it with {@code bash scripts/djl-example.sh}.
 */
public final class ArcFaceCnnExample {

    private static final int CLASSES = 10;
    private static final int EMBEDDING = 64;
    private static final int BATCH = 64;
    private static final int EPOCHS = 4;

    private ArcFaceCnnExample() {
    }

    public static void main(String[] args) throws IOException, TranslateException {
        MarginSoftmax arcFace = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(30).build();
        try (Backend backend = Backends.best();
                NDManager manager = NDManager.newBaseManager("PyTorch");
                Model model = Model.newInstance("arcface-cnn", "PyTorch")) {
            MarginHead.WeightGradient mode = args.length > 0 && args[0].equals("autograd")
                    ? MarginHead.WeightGradient.AUTOGRAD : MarginHead.WeightGradient.DIRECT;
            MarginHead head = new MarginHead(arcFace, backend, CLASSES, mode);
            model.setBlock(new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16)
                            .build())
                    .add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                    .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32)
                            .build())
                    .add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(EMBEDDING).build())
                    .add(head));
            SyntheticGlyphs train = SyntheticGlyphs.generate(manager, CLASSES, 4096, 0.6, 1, 2);
            SyntheticGlyphs test = SyntheticGlyphs.generate(manager, CLASSES, 1024, 0.6, 1, 3);
            ArrayDataset dataset = new ArrayDataset.Builder().setData(train.images()).optLabels(train.labels())
                    .setSampling(BATCH, true).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(new MarginHeadLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(2e-3f)).build());
            System.out.println("DJL " + model.getNDManager().getEngine().getEngineName() + " "
                    + model.getNDManager().getEngine().getVersion() + ", head " + head);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, 1, SyntheticGlyphs.SIDE, SyntheticGlyphs.SIDE));
                System.out.printf("epoch 0: held-out accuracy %.1f%%%n", 100 * accuracy(trainer, test));
                for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                    long start = System.nanoTime();
                    double lossSum = 0;
                    int batches = 0;
                    for (Batch batch : trainer.iterateDataset(dataset)) {
                        EasyTrain.trainBatch(trainer, batch);
                        trainer.step();
                        lossSum += head.lastLoss();
                        batches++;
                        batch.close();
                    }
                    System.out.printf("epoch %d: mean ArcFace loss %.3f, held-out accuracy %.1f%% (%.1f s)%n", epoch,
                            lossSum / batches, 100 * accuracy(trainer, test), (System.nanoTime() - start) / 1e9);
                }
            }
        }
    }

    /** Share of test samples whose highest cosine is with their own class's weight row. */
    private static double accuracy(Trainer trainer, SyntheticGlyphs test) {
        try (NDManager scope = trainer.getManager().newSubManager()) {
            scope.tempAttachAll(test.images(), test.labels());
            NDArray cosines = trainer.evaluate(new NDList(test.images())).singletonOrThrow();
            NDArray predicted = cosines.argMax(1).toType(test.labels().getDataType(), false);
            return predicted.eq(test.labels()).sum().getLong() / (double) test.labels().size();
        }
    }
}
