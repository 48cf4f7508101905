package org.marginkernels;

import java.util.Objects;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.RegressionSpec;

/**
 * A coordinate-wise regression loss of predictions against targets (landmark coordinates, heatmap pixels):
 * L = reduce_i l(x_i, y_i) with the residual x_i = prediction_i - target_i and the target y_i, l one expression of
 * the kernel spec ({@link RegressionSpec}) and dl/dx derived from it. Build one with {@link WingLoss} or
 * {@link AdaptiveWingLoss}; run it with {@code Backend.regressionLoss}.
 *
 * <p>Reductions follow the Caffe Wing loss layer (xialuxi/arcface-caffe, {@code landmark_and_pose/wing_loss_layer.cu}:
 * the sum over every coordinate divided by the batch size {@code num}): {@link Reduction#MEAN} is the sum over all
 * coordinates divided by the number of samples (rows of {@code dim} coordinates), {@link Reduction#SUM} the plain sum.
 * Immutable.
 */
public final class RegressionLoss {

    /**
     * The largest |prediction - target| (computed in double) a call accepts, 2^64 (about 1.8e19): the per-coordinate
     * loss, its float evaluation and the sums stay finite.
     */
    public static final double MAX_RESIDUAL = 0x1p64;

    private final String name;
    private final RegressionSpec spec;
    private final Reduction reduction;
    private final double targetMin;
    private final double targetMax;

    /**
     * @param name a short description with the parameter values, for messages
     * @param perCoordinate l(x, y) over {@code Exprs.RESIDUAL} and {@code Exprs.REGRESSION_TARGET}
     * @param targetMin the smallest target the loss accepts (the most negative float for any)
     * @param targetMax the largest target the loss accepts
     */
    RegressionLoss(String name, Expr perCoordinate, Reduction reduction, double targetMin, double targetMax) {
        this(name, new RegressionSpec(perCoordinate), reduction, targetMin, targetMax);
    }

    private RegressionLoss(String name, RegressionSpec spec, Reduction reduction, double targetMin,
            double targetMax) {
        this.name = Objects.requireNonNull(name, "name");
        this.spec = spec;
        this.reduction = checkReduction(reduction);
        this.targetMin = targetMin;
        this.targetMax = targetMax;
    }

    /** The same loss with another reduction (MEAN or SUM). */
    public RegressionLoss withReduction(Reduction reduction) {
        return new RegressionLoss(name, spec, reduction, targetMin, targetMax);
    }

    /** The loss's description, such as "wing(w=10.0, epsilon=2.0)". */
    public String name() {
        return name;
    }

    /** MEAN (sum over coordinates / samples, the default) or SUM. */
    public Reduction reduction() {
        return reduction;
    }

    /** The expression l(x, y) and its derivative: what every backend compiles. */
    public RegressionSpec spec() {
        return spec;
    }

    /** The per-coordinate loss l(x, y) in double, x = prediction - target, y = target. */
    public double value(double residual, double target) {
        return spec.value(residual, target);
    }

    /** dl/dx(x, y) in double; 0 at x = 0, where |x| has its kink. */
    public double derivative(double residual, double target) {
        return spec.gradient(residual, target);
    }

    /** The smallest target value accepted. */
    public double targetMin() {
        return targetMin;
    }

    /** The largest target value accepted. */
    public double targetMax() {
        return targetMax;
    }

    /** The factor that turns the sum into the reduced loss: 1 / samples for MEAN, 1 for SUM. */
    public double reductionWeight(int samples) {
        return reduction == Reduction.MEAN ? 1.0 / samples : 1.0;
    }

    @Override
    public String toString() {
        return name + " " + reduction.name().toLowerCase(java.util.Locale.ROOT);
    }

    static Reduction checkReduction(Reduction reduction) {
        if (reduction != Reduction.MEAN && reduction != Reduction.SUM) {
            throw new IllegalArgumentException("reduction must be MEAN or SUM for a regression loss, got "
                    + reduction);
        }
        return reduction;
    }
}
