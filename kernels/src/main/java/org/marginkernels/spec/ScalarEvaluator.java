package org.marginkernels.spec;

import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.Slot;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.Var;

/**
 * Compiles an expression once into a tree of lambdas evaluated in double precision: the scalar semantics of the IR
 * that every other backend is compared with.
 */
public final class ScalarEvaluator {

    /** A compiled comparison. */
    @FunctionalInterface
    public interface ScalarCondition {
        boolean test(double x0, double x1, double x2);

        /** The condition with slot 2 at zero. */
        default boolean test(double x0, double x1) {
            return test(x0, x1, 0);
        }
    }

    private ScalarEvaluator() {
    }

    /**
     * Compiles {@code e}; a {@link StraightThrough} node evaluates its value side. A subtree of parameters and
     * constants only (cos m, t + 1) is evaluated once, here, so the per-element cost does not depend on how a loss
     * spells its parameters.
     *
     * @throws IllegalArgumentException if {@code e} contains a {@link Slot}: slots are arguments of compiled code,
     *     whose values only {@link ArgumentSlots} knows
     */
    public static ScalarFunction compile(Expr e) {
        if (!(e instanceof Compare) && !Simplifier.reads(e, false)) {
            double v = evaluate(e);
            return constant(v == 0 ? 0 : v);
        }
        return evaluator(e);
    }

    /** The value of an expression that reads no variable and no slot. */
    static double evaluate(Expr e) {
        return evaluator(e).apply(0, 0);
    }

    private static ScalarFunction evaluator(Expr e) {
        return switch (e) {
            case Const c -> constant(c.value());
            case Param p -> constant(p.value());
            case Slot slot -> throw new IllegalArgumentException("a slot has no value outside compiled code: " + slot);
            case Var v -> switch (v.index()) {
                case 0 -> (x0, x1, x2) -> x0;
                case 1 -> (x0, x1, x2) -> x1;
                default -> (x0, x1, x2) -> x2;
            };
            case Unary u -> unary(u, compile(u.arg()));
            case Binary b -> binary(b, compile(b.left()), compile(b.right()));
            case Select s -> {
                ScalarCondition cond = compileCondition(s.condition());
                ScalarFunction t = compile(s.ifTrue());
                ScalarFunction f = compile(s.ifFalse());
                yield (x0, x1, x2) -> cond.test(x0, x1, x2) ? t.apply(x0, x1, x2) : f.apply(x0, x1, x2);
            }
            case StraightThrough st -> compile(st.value());
            case Compare c -> throw new IllegalArgumentException("a comparison is not a number: " + c);
        };
    }

    /**
     * Compiles a comparison, decided on both sides rounded to float: the one comparison rule of every backend, so
     * that the double evaluation and float kernels take the same branch whenever they see the same float values (a
     * cosine equal to the float rounding of f_y at the SV/MV hard-negative test, a cosine at a float-exact
     * threshold). Comparisons involving NaN are false, as in Java and C.
     */
    public static ScalarCondition compileCondition(Compare c) {
        ScalarFunction a = compile(c.left());
        ScalarFunction b = compile(c.right());
        return switch (c.op()) {
            case LT -> (x0, x1, x2) -> (float) a.apply(x0, x1, x2) < (float) b.apply(x0, x1, x2);
            case LE -> (x0, x1, x2) -> (float) a.apply(x0, x1, x2) <= (float) b.apply(x0, x1, x2);
            case GT -> (x0, x1, x2) -> (float) a.apply(x0, x1, x2) > (float) b.apply(x0, x1, x2);
            case GE -> (x0, x1, x2) -> (float) a.apply(x0, x1, x2) >= (float) b.apply(x0, x1, x2);
        };
    }

    private static ScalarFunction constant(double value) {
        return (x0, x1, x2) -> value;
    }

    private static ScalarFunction unary(Unary u, ScalarFunction a) {
        return switch (u.op()) {
            case NEG -> (x0, x1, x2) -> -a.apply(x0, x1, x2);
            case SQRT -> (x0, x1, x2) -> Math.sqrt(a.apply(x0, x1, x2));
            case EXP -> (x0, x1, x2) -> Math.exp(a.apply(x0, x1, x2));
            case EXPM1 -> (x0, x1, x2) -> Math.expm1(a.apply(x0, x1, x2));
            case LOG -> (x0, x1, x2) -> Math.log(a.apply(x0, x1, x2));
            case COS -> (x0, x1, x2) -> Math.cos(a.apply(x0, x1, x2));
            case SIN -> (x0, x1, x2) -> Math.sin(a.apply(x0, x1, x2));
            case ACOS -> (x0, x1, x2) -> Math.acos(a.apply(x0, x1, x2));
            case ABS -> (x0, x1, x2) -> Math.abs(a.apply(x0, x1, x2));
            case LOG1P -> (x0, x1, x2) -> Math.log1p(a.apply(x0, x1, x2));
        };
    }

    private static ScalarFunction binary(Binary b, ScalarFunction l, ScalarFunction r) {
        return switch (b.op()) {
            case ADD -> (x0, x1, x2) -> l.apply(x0, x1, x2) + r.apply(x0, x1, x2);
            case SUB -> (x0, x1, x2) -> l.apply(x0, x1, x2) - r.apply(x0, x1, x2);
            case MUL -> (x0, x1, x2) -> l.apply(x0, x1, x2) * r.apply(x0, x1, x2);
            case DIV -> (x0, x1, x2) -> l.apply(x0, x1, x2) / r.apply(x0, x1, x2);
            case MIN -> (x0, x1, x2) -> Math.min(l.apply(x0, x1, x2), r.apply(x0, x1, x2));
            case MAX -> (x0, x1, x2) -> Math.max(l.apply(x0, x1, x2), r.apply(x0, x1, x2));
            case POW -> (x0, x1, x2) -> Math.pow(l.apply(x0, x1, x2), r.apply(x0, x1, x2));
        };
    }
}
