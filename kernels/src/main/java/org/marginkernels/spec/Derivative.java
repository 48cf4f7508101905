package org.marginkernels.spec;

import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.ZERO;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.exp;
import static org.marginkernels.spec.Exprs.ge;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.le;
import static org.marginkernels.spec.Exprs.log;
import static org.marginkernels.spec.Exprs.lt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.neg;
import static org.marginkernels.spec.Exprs.pow;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sqrt;
import static org.marginkernels.spec.Exprs.sub;

import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Slot;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.Var;

/**
 * Symbolic differentiation of the IR: the only source of every backward pass in the library, so that a forward and
 * its backward cannot disagree (the classic bug of hand-written margin layers).
 *
 * <p>Piecewise nodes differentiate branch by branch; {@code min}/{@code max} pass the derivative of the selected
 * argument (ties go to the left argument, as {@code torch.clamp} passes the gradient at the bounds); comparisons are
 * piecewise constant and contribute nothing.
 */
public final class Derivative {

    private Derivative() {
    }

    /** Returns the simplified derivative of {@code e} with respect to {@code v}. */
    public static Expr of(Expr e, Var v) {
        return Simplifier.simplify(raw(e, v));
    }

    private static Expr raw(Expr e, Var v) {
        return switch (e) {
            case Const ignored -> ZERO;
            case Param ignored -> ZERO;
            case Slot ignored -> ZERO;
            case Var x -> x.index() == v.index() ? ONE : ZERO;
            case Unary u -> unary(u, raw(u.arg(), v));
            case Binary b -> binary(b, raw(b.left(), v), raw(b.right(), v));
            case Select s -> select(s.condition(), raw(s.ifTrue(), v), raw(s.ifFalse(), v));
            case StraightThrough st -> raw(st.gradient(), v);
            case Compare c -> throw new IllegalArgumentException("a comparison has no derivative: " + c);
        };
    }

    private static Expr unary(Unary u, Expr da) {
        Expr a = u.arg();
        return switch (u.op()) {
            case NEG -> neg(da);
            // d sqrt(a) = a' / (2 sqrt(a))
            case SQRT -> div(da, mul(constant(2), sqrt(a)));
            case EXP, EXPM1 -> mul(exp(a), da);
            case LOG -> div(da, a);
            case COS -> neg(mul(sin(a), da));
            case SIN -> mul(cos(a), da);
            // d acos(a) = -a' / sqrt((1 - a)(1 + a)); the factored form keeps float precision near +-1, and
            // callers clamp a away from +-1 first
            case ACOS -> neg(div(da, sqrt(mul(sub(ONE, a), add(ONE, a)))));
            // d |a| = sign(a) a', with sign(0) = 0: the subgradient of the Wing loss layers at the kink
            case ABS -> select(gt(a, ZERO), da, select(lt(a, ZERO), neg(da), ZERO));
            case LOG1P -> div(da, add(ONE, a));
        };
    }

    private static Expr binary(Binary b, Expr da, Expr db) {
        Expr a = b.left();
        Expr c = b.right();
        return switch (b.op()) {
            case ADD -> add(da, db);
            case SUB -> sub(da, db);
            case MUL -> add(mul(da, c), mul(a, db));
            // (a/c)' = (a' c - a c') / c^2
            case DIV -> div(sub(mul(da, c), mul(a, db)), mul(c, c));
            case MIN -> select(le(a, c), da, db);
            case MAX -> select(ge(a, c), da, db);
            case POW -> powDerivative(a, c, da, db);
        };
    }

    // (a^c)' = c a^(c-1) a' when the exponent is constant; a^c (c' log a + c a'/a) otherwise
    private static Expr powDerivative(Expr a, Expr c, Expr da, Expr db) {
        if (Simplifier.simplify(db) instanceof Const k && k.value() == 0) {
            return mul(mul(c, pow(a, sub(c, ONE))), da);
        }
        return mul(pow(a, c), add(mul(db, log(a)), div(mul(c, da), a)));
    }
}
