package org.marginkernels.cpu;

import org.marginkernels.spec.RowHoisting;

/**
 * A negative transform compiled to vector code. With a {@link RowHoisting}, the code is g'(c, h) of the per-row value
 * h = H(f_y), which the callers compute once per row ({@link CpuKernels#rowArgument}) and pass where f_y would go.
 *
 * @param value g(c, f_y), or g'(c, h)
 * @param gradient dg/dc
 * @param targetGradient dg/df_y, or dg'/dh, or null when it is identically zero
 * @param hoisting the per-row part, or null when the code reads f_y itself
 */
record PanamaNegativeCode(PanamaExpr value, PanamaExpr gradient, PanamaExpr targetGradient, RowHoisting hoisting)
        implements NegativeCode {
}
