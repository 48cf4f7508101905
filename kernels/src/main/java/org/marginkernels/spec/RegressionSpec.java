package org.marginkernels.spec;

import java.util.List;
import java.util.Objects;

/**
 * The kernel spec of a per-coordinate regression loss l(x, y): one expression of the residual x = prediction -
 * target ({@link Exprs#RESIDUAL}) and, optionally, the target y ({@link Exprs#REGRESSION_TARGET}), with its parameters.
 * The derivative dl/dx is derived from it by {@link Derivative}, never written by hand; y is a constant of the
 * backward pass. Every backend computes from this one source: the reference evaluates both in double, the cpu
 * compiles {@link #arguments()}'s structure to vector code and the GPU backends print it as C
 * ({@link CPrinter#regressionFunctions}).
 */
public final class RegressionSpec {

    private final Expr value;
    private final Expr gradient;
    private final ArgumentSlots arguments;
    private final ScalarFunction valueFunction;
    private final ScalarFunction gradientFunction;

    /**
     * @param value l(x, y), reading no variable but the residual and the target
     * @throws IllegalArgumentException if the expression reads another variable
     */
    public RegressionSpec(Expr value) {
        Objects.requireNonNull(value, "value");
        Exprs.forEachNode(value, n -> {
            if (n instanceof Expr.Var v && !v.equals(Exprs.RESIDUAL) && !v.equals(Exprs.REGRESSION_TARGET)) {
                throw new IllegalArgumentException("a regression loss reads the residual x and the target y only, "
                        + "not " + v.name());
            }
        });
        this.value = Simplifier.simplify(value);
        this.gradient = Derivative.of(this.value, Exprs.RESIDUAL);
        this.arguments = ArgumentSlots.lift(List.of(this.value, this.gradient));
        this.valueFunction = ScalarEvaluator.compile(this.value);
        this.gradientFunction = ScalarEvaluator.compile(this.gradient);
    }

    /** l(x, y), simplified. */
    public Expr value() {
        return value;
    }

    /** dl/dx(x, y), from {@link Derivative}. */
    public Expr gradient() {
        return gradient;
    }

    /**
     * (l, dl/dx) with their parameter subtrees in argument slots: the structure compiled code is cached by, and the
     * values it is given per call.
     */
    public ArgumentSlots arguments() {
        return arguments;
    }

    /** l(x, y) in double. */
    public double value(double x, double y) {
        return valueFunction.apply(x, y);
    }

    /** dl/dx(x, y) in double. */
    public double gradient(double x, double y) {
        return gradientFunction.apply(x, y);
    }

    /** Whether l reads the target y (Adaptive Wing) or only the residual (Wing). */
    public boolean readsTarget() {
        return Simplifier.reads(value, Exprs.REGRESSION_TARGET);
    }
}
