package org.marginkernels.spec;

/**
 * An expression compiled for scalar double-precision evaluation: {@code f(x0, x1, x2)} over the three variable
 * slots (c, f_y of a negative transform; c, |x|, m_i of a target transform; lp of a row term).
 */
@FunctionalInterface
public interface ScalarFunction {

    /** Evaluates the expression with slot 0 = {@code x0}, slot 1 = {@code x1} and slot 2 = {@code x2}. */
    double apply(double x0, double x1, double x2);

    /** Evaluates the expression with slot 2 at zero. */
    default double apply(double x0, double x1) {
        return apply(x0, x1, 0);
    }
}
