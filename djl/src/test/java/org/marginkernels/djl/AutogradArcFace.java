package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * ArcFace written the way a DJL user writes it: NDArray ops on the full batch x classes logits, differentiated by
 * DJL's autograd (libtorch). The oracle for {@link MarginHead}'s gradients and the "DJL" side of the benchmark.
 *
 * <p>Deng et al., "ArcFace", CVPR 2019, eq. 3: z_iy = s cos(theta_iy + m), z_ij = s cos(theta_ij) otherwise, with
 * the fallback of insightface (and of {@code Margins.arcFace}) f(c) = c - m sin(pi - m) where theta + m &gt; pi.
 */
public final class AutogradArcFace {

    private final float margin;
    private final float scale;
    private final SoftmaxCrossEntropyLoss crossEntropy = new SoftmaxCrossEntropyLoss("arcface");

    /**
     * @param margin the additive angular margin m in radians
     * @param scale the logit scale s
     */
    public AutogradArcFace(double margin, double scale) {
        this.margin = (float) margin;
        this.scale = (float) scale;
    }

    /**
     * The mean ArcFace loss of raw features (batch x dim) against raw weights (classes x dim), as a scalar that
     * autograd differentiates.
     *
     * @param labels batch class indices (int32, int64 or float32)
     */
    public NDArray loss(NDArray features, NDArray weights, NDArray labels) {
        long classes = weights.getShape().get(0);
        NDArray cosines = unitRows(features).matMul(unitRows(weights).transpose());
        NDArray index = labels.toType(ai.djl.ndarray.types.DataType.INT64, false).reshape(-1, 1);
        NDArray target = cosines.gather(index, 1).clip(-1 + 1e-7f, 1 - 1e-7f);
        NDArray arc = target.acos().add(margin).cos();
        NDArray fallback = target.sub(margin * (float) Math.sin(Math.PI - margin));
        NDArray margined = NDArrays.where(target.gt((float) Math.cos(Math.PI - margin)), arc, fallback);
        NDArray oneHot = index.reshape(-1).oneHot(Math.toIntExact(classes));
        NDArray logits = cosines.add(oneHot.mul(margined.sub(target))).mul(scale);
        return crossEntropy.evaluate(new NDList(index.reshape(-1)), new NDList(logits));
    }

    private static NDArray unitRows(NDArray rows) {
        return rows.div(rows.norm(new int[] {1}, true));
    }
}
