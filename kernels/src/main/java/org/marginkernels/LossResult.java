package org.marginkernels;

import java.util.Optional;

/**
 * What one forward (and backward) pass returns besides the gradients.
 *
 * @param loss the reduced loss
 * @param scale the scale s that the logits used (the resolved AdaCos scale for adaptive policies)
 * @param rows how many rows contributed (rows whose label is not the ignore label)
 * @param diagnostics what the fused pass says about training ({@link LossDiagnostics}); empty for the layer-level
 *     softmax, which sees no cosines
 */
public record LossResult(double loss, double scale, int rows, Optional<LossDiagnostics> diagnostics) {

    public LossResult {
        java.util.Objects.requireNonNull(diagnostics, "diagnostics");
    }

    /** A result without diagnostics. */
    public LossResult(double loss, double scale, int rows) {
        this(loss, scale, rows, Optional.empty());
    }
}
