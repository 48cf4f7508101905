package org.marginkernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one forward (and backward) pass returns besides the gradients.
 *
 * @param loss the reduced loss
 * @param scale the scale s that the logits used (the resolved AdaCos scale for adaptive policies)
 * @param rows how many rows contributed (rows whose label is not the ignore label)
 * @param diagnostics what the fused pass says about training ({@link LossDiagnostics}); empty for the layer-level
 *     softmax, which sees no cosines
 * @param rowLosses for {@link Reduction#NONE}, each row's loss F(lp_i) + R(|x_i|) before its sample weight, 0 for an
 *     ignored row; empty for the other reductions
 */
public record LossResult(double loss, double scale, int rows, Optional<LossDiagnostics> diagnostics,
        List<Double> rowLosses) {

    public LossResult {
        java.util.Objects.requireNonNull(diagnostics, "diagnostics");
        rowLosses = List.copyOf(rowLosses);
    }

    /** A result without diagnostics or row losses. */
    public LossResult(double loss, double scale, int rows) {
        this(loss, scale, rows, Optional.empty(), List.of());
    }

    /**
     * Reduces the rows of one pass, the one place the reduction is written: each counted row's loss times its
     * {@link MarginSoftmax#rowWeight weight}, in row order, and the row losses for {@link Reduction#NONE}.
     */
    public static final class Reducer {
        private final MarginSoftmax loss;
        private final int counted;
        private final List<Double> rows;
        private double total;

        /**
         * @param loss the loss. Not modified.
         * @param labels the rows' labels. Not modified.
         */
        public Reducer(MarginSoftmax loss, int[] labels) {
            this.loss = loss;
            int n = 0;
            for (int y : labels) {
                n += y == loss.ignoreLabel() ? 0 : 1;
            }
            this.counted = n;
            this.rows = loss.reduction() == Reduction.NONE ? new ArrayList<>(java.util.Collections.nCopies(
                    labels.length, 0.0)) : null;
        }

        /** How many rows are counted. */
        public int counted() {
            return counted;
        }

        /** The weight of row {@code row}'s loss in the reduced loss, and of its gradient. */
        public double weight(int row) {
            return loss.rowWeight(row, counted);
        }

        /** Adds counted row {@code row}'s loss. */
        public void add(int row, double rowLoss) {
            total += weight(row) * rowLoss;
            if (rows != null) {
                rows.set(row, rowLoss);
            }
        }

        /** The result of the rows added. */
        public LossResult result(double scale, Optional<LossDiagnostics> diagnostics) {
            return new LossResult(total, scale, counted, diagnostics, rows == null ? List.of() : rows);
        }
    }
}
