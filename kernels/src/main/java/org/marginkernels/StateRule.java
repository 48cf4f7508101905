package org.marginkernels;

import java.util.Map;

/**
 * How a stateful loss advances its {@link LossState}, and which of its expressions' parameters the state sets. One
 * mechanism for every stateful loss: {@link Backend#step} computes the {@link BatchStatistics} of the batch, asks
 * {@link #beforeStep} for the state this step uses, binds {@link #parameters} of that state into the loss's
 * expressions (named parameters of the margin or negative transform, passed to compiled code as arguments, so nothing
 * recompiles), runs the step and returns {@link #afterStep}'s state with the result.
 */
public interface StateRule {

    /**
     * The state this step uses, from the previous step's state and this batch, before the forward pass (the
     * update order of CurricularFace's reference code: t is updated with this batch's mean target cosine, then used).
     *
     * @param previous the state the previous step returned, or {@link LossState#empty()} at the first step
     * @param batch this batch's statistics. Not modified.
     */
    LossState beforeStep(LossState previous, BatchStatistics batch);

    /** The expression parameters, by name, that {@code state} sets for this step. */
    Map<String, Double> parameters(LossState state);

    /**
     * Per counted row (in order, as {@code batch} holds them) the margin m_i that a target transform reads as
     * {@code Exprs.ROW_MARGIN} in this step, or null (the default) for none; a constant of the backward pass.
     *
     * @param state the state this step uses (from {@link #beforeStep})
     * @param batch this batch's statistics. Not modified.
     */
    default double[] rowMargins(LossState state, BatchStatistics batch) {
        return null;
    }

    /**
     * The state the next step starts from, given this step's state and result (AdaCos keeps the scale it used).
     * The default keeps {@code used}.
     */
    default LossState afterStep(LossState used, LossResult result) {
        return used;
    }
}
