package org.marginkernels;

import java.util.Objects;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;

/**
 * A named parameter of a user-defined margin or negative transform ({@link Margin#of}, {@link NegativeTransform#of}):
 * its value and the range it must lie in, checked once here, as the built-in margins check theirs.
 *
 * @param name the name printed in kernels and error messages, such as "m"
 * @param value the value, in [min, max]
 * @param min the smallest accepted value, finite
 * @param max the largest accepted value, finite and &gt;= min
 */
public record LossParameter(String name, double value, double min, double max) {

    /** @throws IllegalArgumentException if the name is blank, the range is not finite and ordered, or value is outside */
    public LossParameter {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a parameter needs a name");
        }
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("parameter " + name + " needs a finite range min <= max, got [" + min
                    + ", " + max + "]");
        }
        Margins.check(name, value, min, max);
    }

    /** The parameter as an expression node, to use in the margin's expression. */
    public Expr expr() {
        return Exprs.param(name, value);
    }
}
