package org.marginkernels.spec;

import java.util.Objects;

/**
 * A node of the kernel-spec expression IR: every loss in the catalogue is written once as a tree of these nodes,
 * and every backend (scalar reference, Vector API, OpenCL C, CUDA C) is compiled from that tree.
 *
 * <p>Nodes are immutable records with structural equality, so that the simplifier can fold them, the printer can
 * share common subexpressions and golden files stay stable. Boolean-valued nodes ({@link Compare}) only appear as
 * the condition of a {@link Select}.
 */
public sealed interface Expr {

    /** A literal constant. */
    record Const(double value) implements Expr {
        public Const {
            if (Double.isNaN(value)) {
                throw new IllegalArgumentException("constant must not be NaN");
            }
        }
    }

    /**
     * A named loss parameter bound to its value (the margin m, the SV-X t, ...). It evaluates like a constant; the
     * name is kept so that printed kernels and error messages can say which parameter a number is.
     */
    record Param(String name, double value) implements Expr {
        public Param {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * Argument {@code index} of compiled code: a value the host computes per call, in double, and passes to the
     * compiled expression at run time (a loss parameter, or a subexpression of parameters only such as cos m). It
     * appears only in the structure that {@link ArgumentSlots#lift} makes of an expression: compiled code is cached by
     * that structure, so a new parameter value compiles nothing.
     */
    record Slot(int index) implements Expr {
        public Slot {
            if (index < 0) {
                throw new IllegalArgumentException("slot index must be >= 0: " + index);
            }
        }
    }

    /** A free variable, read from slot {@code index} of the evaluation arguments. */
    record Var(String name, int index) implements Expr {
        public Var {
            Objects.requireNonNull(name, "name");
            if (index < 0 || index >= MAX_VARIABLES) {
                throw new IllegalArgumentException("variable index must be in [0, " + MAX_VARIABLES + "): " + index);
            }
        }
    }

    /** A one-argument function. */
    record Unary(UnaryOp op, Expr arg) implements Expr {
        public Unary {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(arg, "arg");
        }
    }

    /** A two-argument function or arithmetic operator. */
    record Binary(BinaryOp op, Expr left, Expr right) implements Expr {
        public Binary {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }
    }

    /** A comparison; true or false, only valid as the condition of a {@link Select}. */
    record Compare(CompareOp op, Expr left, Expr right) implements Expr {
        public Compare {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }
    }

    /** {@code condition ? ifTrue : ifFalse}: the piecewise branches of a loss (thresholds, fallbacks). */
    record Select(Compare condition, Expr ifTrue, Expr ifFalse) implements Expr {
        public Select {
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(ifTrue, "ifTrue");
            Objects.requireNonNull(ifFalse, "ifFalse");
        }
    }

    /**
     * Evaluates to {@code value} but differentiates as {@code gradient}: the straight-through estimator (the forward
     * pass applies the margin, the backward pass treats it as the surrogate, as insightface's arcface_torch does by
     * writing the margin under {@code torch.no_grad()}).
     */
    record StraightThrough(Expr value, Expr gradient) implements Expr {
        public StraightThrough {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(gradient, "gradient");
        }
    }

    /** How many variable slots an expression may read. */
    int MAX_VARIABLES = 3;

    /** One-argument functions of the IR. */
    enum UnaryOp {
        NEG, SQRT, EXP, EXPM1, LOG, COS, SIN, ACOS,
        /** |a|; its derivative is sign(a), 0 at a = 0 (the subgradient the Wing loss layers use). */
        ABS,
        /** log(1 + a) without cancellation near 0. */
        LOG1P
    }

    /** Two-argument functions of the IR; POW is real power {@code left^right} for {@code left >= 0}. */
    enum BinaryOp { ADD, SUB, MUL, DIV, MIN, MAX, POW }

    /** Comparisons of the IR. */
    enum CompareOp { LT, LE, GT, GE }
}
