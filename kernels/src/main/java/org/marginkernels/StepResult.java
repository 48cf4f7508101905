package org.marginkernels;

/**
 * One training step's result and the loss state the next step starts from.
 *
 * @param result the loss, the scale used and the counted rows
 * @param state the state to pass to the next step; the same value for a stateless loss
 */
public record StepResult(LossResult result, LossState state) {
}
