package org.marginkernels;

/**
 * What one forward (and backward) pass returns besides the gradients.
 *
 * @param loss the reduced loss
 * @param scale the scale s that the logits used (the resolved AdaCos scale for adaptive policies)
 * @param rows how many rows contributed (rows whose label is not the ignore label)
 */
public record LossResult(double loss, double scale, int rows) {
}
