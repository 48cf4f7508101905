package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The memory one head step moves its data through, kept from step to step: at (256, 512, 100000) W is 205 MB, and
 * fresh memory of that size costs 150-190 ms a step in page faults and zeroing on a 2-vCPU VM (measured), where
 * copying into memory already touched costs about 30 ms.
 *
 * <p>The Java arrays hold the features and their gradient. The backend writes dL/dW straight into native storage,
 * which then becomes a tensor of DJL's
 * ({@code torch::from_blob}); the autograd graph of the head's output keeps that tensor until backward, so the
 * storage is reused only once DJL has released the array made from it the step before (its manager closed, as
 * DJL's trainer does after each batch), and a new one is allocated otherwise.
 */
final class StepBuffers {

    float[] features = new float[0];
    float[] featureGrad = new float[0];
    private long weightCount;
    private ByteBuffer weightGradStorage;
    private NDArray lastWeightGrad;

    /** Makes the arrays fit a step with these element counts, keeping them when they fit already. */
    void fit(int featureCount, long weightElements) {
        if (features.length != featureCount) {
            features = new float[featureCount];
            featureGrad = new float[featureCount];
        }
        if (weightCount != weightElements) {
            weightCount = weightElements;
            weightGradStorage = null;
        }
    }

    /**
     * Native storage for dL/dW that the backend writes in place, reused when DJL has released the array made from it
     * the step before.
     */
    MemorySegment weightGradSegment(NDManager manager) {
        if (weightGradStorage == null || (lastWeightGrad != null && !lastWeightGrad.isReleased())) {
            weightGradStorage = manager.allocateDirect(Math.toIntExact(Math.multiplyExact(weightCount, Float.BYTES)))
                    .order(ByteOrder.nativeOrder());
        }
        weightGradStorage.clear();
        return MemorySegment.ofBuffer(weightGradStorage);
    }

    /** The storage {@link #weightGradSegment} returned, after the step wrote it, as a DJL array of this shape. */
    NDArray weightGradArray(NDManager manager, Shape shape) {
        lastWeightGrad = manager.create(weightGradStorage, shape, DataType.FLOAT32);
        return lastWeightGrad;
    }
}
