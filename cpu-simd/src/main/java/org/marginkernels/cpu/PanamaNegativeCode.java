package org.marginkernels.cpu;

/**
 * A negative transform compiled to vector lambdas.
 *
 * @param value g(c, f_y)
 * @param gradient dg/dc
 * @param targetGradient dg/df_y, or null when it is identically zero
 */
record PanamaNegativeCode(PanamaExpr value, PanamaExpr gradient, PanamaExpr targetGradient) implements NegativeCode {
}
