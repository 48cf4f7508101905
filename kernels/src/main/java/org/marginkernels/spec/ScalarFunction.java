package org.marginkernels.spec;

/** An expression compiled for scalar double-precision evaluation: {@code f(x0, x1)} over the two variable slots. */
@FunctionalInterface
public interface ScalarFunction {

    /** Evaluates the expression with slot 0 = {@code x0} and slot 1 = {@code x1}. */
    double apply(double x0, double x1);
}
