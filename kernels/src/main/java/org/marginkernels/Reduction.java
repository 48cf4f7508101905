package org.marginkernels;

/** How per-row losses are combined. Ignored rows never count. */
public enum Reduction {
    /** The mean over non-ignored rows; 0 when every row is ignored. */
    MEAN,
    /** The sum over non-ignored rows. */
    SUM,
    /**
     * The per-row losses, as torch's reduction='none': {@link LossResult#rowLosses()} holds them (0 for ignored
     * rows); the scalar loss and the gradients are those of their (weighted) sum.
     */
    NONE
}
