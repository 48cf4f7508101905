package org.marginkernels.cpu;

/**
 * A regression loss compiled to vector code, over (x, y) = (residual, target) in the two variable slots.
 *
 * @param value l(x, y)
 * @param gradient dl/dx(x, y)
 */
record PanamaRegressionCode(PanamaExpr value, PanamaExpr gradient) implements RegressionCode {
}
