package org.marginkernels.spec;

import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.BinaryOp;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.Slot;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.UnaryOp;
import org.marginkernels.spec.Expr.Var;

/**
 * Algebraic simplification of the IR, bottom-up: folds every subtree whose leaves are all literal constants into one
 * constant, and removes the identities that differentiation leaves behind (x + 0, x * 1, x * 0, selects with equal
 * branches).
 *
 * <p>A {@link Param} is never folded and never matched by an identity rule, whatever its value: the simplified
 * expression has the same structure for every parameter value, so compiled code, cached by that structure
 * ({@link ArgumentSlots}), serves every value. Subtrees of parameters only (cos m, t + 1) are computed once per call
 * on the host instead, in double, by {@link ScalarEvaluator} and {@link ArgumentSlots}.
 *
 * <p>Folding uses the double evaluator, so a folded constant equals what the reference backend computes. x * 0 is
 * folded to 0 only where x is finite by construction; the IR's guards keep every subexpression finite.
 */
public final class Simplifier {

    private Simplifier() {
    }

    /** Returns an expression equal in value and derivative to {@code e}, with constants folded. */
    public static Expr simplify(Expr e) {
        return switch (e) {
            case Const c -> c;
            case Param p -> p;
            case Slot slot -> slot;
            case Var v -> v;
            case Unary u -> unary(u.op(), simplify(u.arg()));
            case Binary b -> binary(b.op(), simplify(b.left()), simplify(b.right()));
            case Compare c -> new Compare(c.op(), simplify(c.left()), simplify(c.right()));
            case Select s -> select((Compare) simplify(s.condition()), simplify(s.ifTrue()), simplify(s.ifFalse()));
            case StraightThrough st -> straightThrough(simplify(st.value()), simplify(st.gradient()));
        };
    }

    /** True when every leaf of the expression is a literal constant, so it can be folded. */
    public static boolean isConstant(Expr e) {
        return !reads(e, true);
    }

    /**
     * True when the expression reads a variable, a slot or, if {@code parameters}, a parameter. A straight-through
     * node counts as reading a variable: it is never folded, so its gradient side is kept.
     */
    static boolean reads(Expr e, boolean parameters) {
        return Exprs.anyNode(e, n -> n instanceof Var || n instanceof Slot || n instanceof StraightThrough
                || (parameters && n instanceof Param));
    }

    /** True when {@code e} reads variable slot {@code v} (on either side of a straight-through node). */
    public static boolean reads(Expr e, Var v) {
        return Exprs.anyNode(e, n -> n instanceof Var x && x.index() == v.index());
    }

    private static Expr fold(Expr e) {
        if (e instanceof Const) {
            return e;
        }
        double v = ScalarEvaluator.evaluate(e);
        // one zero: -0.0 and 0.0 differ to equals(), which would defeat the identity rules and golden files
        return new Const(v == 0 ? 0 : v);
    }

    private static boolean is(Expr e, double value) {
        return e instanceof Const c && c.value() == value;
    }

    private static Expr unary(UnaryOp op, Expr a) {
        Expr u = new Unary(op, a);
        if (isConstant(a)) {
            return fold(u);
        }
        if (op == UnaryOp.NEG && a instanceof Unary inner && inner.op() == UnaryOp.NEG) {
            return inner.arg();
        }
        return u;
    }

    private static Expr binary(BinaryOp op, Expr a, Expr b) {
        Expr e = new Binary(op, a, b);
        if (isConstant(a) && isConstant(b)) {
            return fold(e);
        }
        return switch (op) {
            case ADD -> is(a, 0) ? b : is(b, 0) ? a : e;
            case SUB -> is(b, 0) ? a : is(a, 0) ? unary(UnaryOp.NEG, b) : e;
            case MUL -> {
                if (is(a, 0) || is(b, 0)) {
                    yield Exprs.ZERO;
                }
                if (is(a, 1)) {
                    yield b;
                }
                if (is(b, 1)) {
                    yield a;
                }
                if (is(a, -1)) {
                    yield unary(UnaryOp.NEG, b);
                }
                yield is(b, -1) ? unary(UnaryOp.NEG, a) : e;
            }
            case DIV -> is(b, 1) ? a : is(a, 0) ? Exprs.ZERO : e;
            case POW -> is(b, 1) ? a : is(b, 0) ? Exprs.ONE : e;
            case MIN, MAX -> a.equals(b) ? a : e;
        };
    }

    private static Expr select(Compare cond, Expr t, Expr f) {
        if (t.equals(f)) {
            return t;
        }
        if (isConstant(cond)) {
            return ScalarEvaluator.compileCondition(cond).test(0, 0) ? t : f;
        }
        return new Select(cond, t, f);
    }

    private static Expr straightThrough(Expr value, Expr gradient) {
        return value.equals(gradient) ? value : new StraightThrough(value, gradient);
    }
}
