package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import java.util.Arrays;

/**
 * The trainer-side half of {@link MarginHead}: the head has computed the margin softmax already (it needs the labels
 * and W inside the fused step), so this loss returns the head's scalar output as the loss value. DJL's trainer
 * backpropagates it and records it under this loss's name like any other loss.
 */
public final class MarginHeadLoss extends Loss {

    /** A loss named "MarginHeadLoss". */
    public MarginHeadLoss() {
        super("MarginHeadLoss");
    }

    /**
     * @param labels not read (the head used them)
     * @param predictions the head's output: one scalar
     * @throws IllegalArgumentException if the predictions are not one scalar
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() != 1 || predictions.head().size() != 1) {
            throw new IllegalArgumentException("predictions must be MarginHead's one scalar loss (called with labels), "
                    + "got " + predictions.getShapes().length + " arrays of shapes "
                    + Arrays.toString(predictions.getShapes()));
        }
        return predictions.head();
    }
}
