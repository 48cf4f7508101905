package org.marginkernels.spec;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.BinaryOp;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.CompareOp;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.UnaryOp;
import org.marginkernels.spec.Expr.Var;

/** Small constructors that make loss definitions read like their formulas. */
public final class Exprs {

    /** The cosine logit c = x^ . w^ (slot 0): the variable of every target and negative transform. */
    public static final Var COSINE = new Var("c", 0);
    /** The margined target value f(c_y) of the same row (slot 1): the second variable of a negative transform. */
    public static final Var TARGET = new Var("fy", 1);
    /**
     * The feature norm |x_i| of the row (slot 1 of a target transform, which reads no f_y): a per-row input of the
     * margin (MagFace, AdaFace). The gradient flows through it into dL/dx_i along x^_i unless the margin declares the
     * norm a constant ({@code Margin.withConstantNorm()}).
     */
    public static final Var FEATURE_NORM = new Var("norm", 1);
    /**
     * A per-row margin m_i (slot 2 of a target transform): a value per row that the loss's state rule supplies each
     * step ({@code StateRule.rowMargins}; ElasticFace draws it from a normal distribution), 0 when none is bound. A
     * constant of the backward pass.
     */
    public static final Var ROW_MARGIN = new Var("mi", 2);
    /** The log-probability of the target class, log p_y (slot 0): the variable of a row loss. */
    public static final Var LOG_PROB = new Var("lp", 0);
    /**
     * The residual x = prediction - target of one coordinate (slot 0): the variable of a regression loss (Wing),
     * which is differentiated with respect to it.
     */
    public static final Var RESIDUAL = new Var("x", 0);
    /**
     * The target value y of the same coordinate (slot 1): a constant of a regression loss's backward pass that the
     * loss may read (Adaptive Wing's exponent alpha - y).
     */
    public static final Var REGRESSION_TARGET = new Var("y", 1);

    public static final Const ZERO = new Const(0);
    public static final Const ONE = new Const(1);

    private Exprs() {
    }

    public static Const constant(double value) {
        return new Const(value);
    }

    public static Param param(String name, double value) {
        return new Param(name, value);
    }

    /** The operands of {@code e}, in order (both sides of a straight-through node); empty for a leaf. */
    public static List<Expr> children(Expr e) {
        return switch (e) {
            case Const c -> List.of();
            case Param p -> List.of();
            case Expr.Slot s -> List.of();
            case Var v -> List.of();
            case Unary u -> List.of(u.arg());
            case Binary b -> List.of(b.left(), b.right());
            case Compare c -> List.of(c.left(), c.right());
            case Select s -> List.of(s.condition(), s.ifTrue(), s.ifFalse());
            case Expr.StraightThrough st -> List.of(st.value(), st.gradient());
        };
    }

    /** True when {@code test} holds for {@code e} or any node below it (depth first, stopping at the first). */
    public static boolean anyNode(Expr e, Predicate<Expr> test) {
        if (test.test(e)) {
            return true;
        }
        for (Expr child : children(e)) {
            if (anyNode(child, test)) {
                return true;
            }
        }
        return false;
    }

    /** Calls {@code visit} on {@code e} and every node below it, depth first. */
    public static void forEachNode(Expr e, Consumer<Expr> visit) {
        visit.accept(e);
        for (Expr child : children(e)) {
            forEachNode(child, visit);
        }
    }

    /**
     * {@code e} with every parameter named in {@code values} set to that value: the same structure, so code compiled
     * for {@code e} serves the result (see {@link ArgumentSlots}). Not modified.
     */
    public static Expr bind(Expr e, java.util.Map<String, Double> values) {
        return switch (e) {
            case Param p -> values.containsKey(p.name()) ? new Param(p.name(), values.get(p.name())) : p;
            case Const c -> c;
            case Expr.Slot s -> s;
            case Var v -> v;
            case Unary u -> new Unary(u.op(), bind(u.arg(), values));
            case Binary b -> new Binary(b.op(), bind(b.left(), values), bind(b.right(), values));
            case Compare c -> new Compare(c.op(), bind(c.left(), values), bind(c.right(), values));
            case Select s -> new Select((Compare) bind(s.condition(), values), bind(s.ifTrue(), values),
                    bind(s.ifFalse(), values));
            case Expr.StraightThrough st -> new Expr.StraightThrough(bind(st.value(), values),
                    bind(st.gradient(), values));
        };
    }

    public static Expr add(Expr a, Expr b) {
        return new Binary(BinaryOp.ADD, a, b);
    }

    public static Expr sub(Expr a, Expr b) {
        return new Binary(BinaryOp.SUB, a, b);
    }

    public static Expr mul(Expr a, Expr b) {
        return new Binary(BinaryOp.MUL, a, b);
    }

    public static Expr div(Expr a, Expr b) {
        return new Binary(BinaryOp.DIV, a, b);
    }

    public static Expr min(Expr a, Expr b) {
        return new Binary(BinaryOp.MIN, a, b);
    }

    public static Expr max(Expr a, Expr b) {
        return new Binary(BinaryOp.MAX, a, b);
    }

    public static Expr pow(Expr base, Expr exponent) {
        return new Binary(BinaryOp.POW, base, exponent);
    }

    /** {@code min(max(x, lo), hi)}. */
    public static Expr clamp(Expr x, Expr lo, Expr hi) {
        return min(max(x, lo), hi);
    }

    public static Expr neg(Expr a) {
        return new Unary(UnaryOp.NEG, a);
    }

    public static Expr sqrt(Expr a) {
        return new Unary(UnaryOp.SQRT, a);
    }

    public static Expr exp(Expr a) {
        return new Unary(UnaryOp.EXP, a);
    }

    /** {@code exp(a) - 1} without cancellation near 0. */
    public static Expr expm1(Expr a) {
        return new Unary(UnaryOp.EXPM1, a);
    }

    public static Expr log(Expr a) {
        return new Unary(UnaryOp.LOG, a);
    }

    public static Expr abs(Expr a) {
        return new Unary(UnaryOp.ABS, a);
    }

    /** {@code log(1 + a)} without cancellation near 0. */
    public static Expr log1p(Expr a) {
        return new Unary(UnaryOp.LOG1P, a);
    }

    public static Expr cos(Expr a) {
        return new Unary(UnaryOp.COS, a);
    }

    public static Expr sin(Expr a) {
        return new Unary(UnaryOp.SIN, a);
    }

    public static Expr acos(Expr a) {
        return new Unary(UnaryOp.ACOS, a);
    }

    public static Compare lt(Expr a, Expr b) {
        return new Compare(CompareOp.LT, a, b);
    }

    public static Compare le(Expr a, Expr b) {
        return new Compare(CompareOp.LE, a, b);
    }

    public static Compare gt(Expr a, Expr b) {
        return new Compare(CompareOp.GT, a, b);
    }

    public static Compare ge(Expr a, Expr b) {
        return new Compare(CompareOp.GE, a, b);
    }

    public static Expr select(Compare condition, Expr ifTrue, Expr ifFalse) {
        return new Select(condition, ifTrue, ifFalse);
    }

    public static Expr straightThrough(Expr value, Expr gradient) {
        return new Expr.StraightThrough(value, gradient);
    }
}
