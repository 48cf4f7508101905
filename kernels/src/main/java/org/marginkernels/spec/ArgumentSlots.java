package org.marginkernels.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Expressions split into what compiled code is made of and what it is given at run time. Every largest subtree that
 * reads a parameter but no variable (t, t + 1, cos m) becomes a {@link Slot}; the {@link #structure()} that is left
 * holds variables, literal constants and slots only. Two losses that differ in parameter values have equal
 * structures, so backends cache compiled code by the structure and pass {@link #values()} as arguments: a parameter
 * schedule (margin warm-up, SphereFace's lambda annealing) compiles nothing after its first step.
 *
 * <p>Slots are numbered in order of first appearance (expressions in order, each depth first, left to right), and a
 * subtree that appears twice gets one slot, so the structure of a loss is deterministic and golden files can pin the
 * source printed from it.
 *
 * @param structure the expressions with slots in place of parameter subtrees, in the order given
 * @param arguments slot k's expression, of parameters and constants only
 */
public record ArgumentSlots(List<Expr> structure, List<Expr> arguments) {

    public ArgumentSlots {
        structure = List.copyOf(structure);
        arguments = List.copyOf(arguments);
    }

    /**
     * Lifts the parameter subtrees of {@code expressions} into shared slots.
     *
     * @param expressions simplified expressions (see {@link Simplifier}); none may contain a slot already
     */
    public static ArgumentSlots lift(List<Expr> expressions) {
        Map<Expr, Slot> slots = new LinkedHashMap<>();
        List<Expr> structure = new ArrayList<>(expressions.size());
        for (Expr e : expressions) {
            structure.add(lift(Objects.requireNonNull(e, "expression"), slots));
        }
        return new ArgumentSlots(structure, new ArrayList<>(slots.keySet()));
    }

    /** How many arguments compiled code of this structure takes. */
    public int size() {
        return arguments.size();
    }

    /** The arguments as compiled code reads them: each slot's expression evaluated in double, rounded to float. */
    public float[] values() {
        float[] v = new float[arguments.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = (float) ScalarEvaluator.evaluate(arguments.get(k));
        }
        return v;
    }

    private static Expr lift(Expr e, Map<Expr, Slot> slots) {
        if (!(e instanceof Compare) && Simplifier.reads(e, true) && !Simplifier.reads(e, false)) {
            return slots.computeIfAbsent(e, k -> new Slot(slots.size()));
        }
        return switch (e) {
            case Const c -> c;
            case Var v -> v;
            case Param p -> throw new IllegalStateException("unreachable: a parameter is always lifted");
            case Slot s -> throw new IllegalArgumentException("expression is lifted already: " + s);
            case Unary u -> new Unary(u.op(), lift(u.arg(), slots));
            case Binary b -> new Binary(b.op(), lift(b.left(), slots), lift(b.right(), slots));
            case Compare c -> new Compare(c.op(), lift(c.left(), slots), lift(c.right(), slots));
            case Select s -> new Select((Compare) lift(s.condition(), slots), lift(s.ifTrue(), slots),
                    lift(s.ifFalse(), slots));
            case StraightThrough st -> new StraightThrough(lift(st.value(), slots), lift(st.gradient(), slots));
        };
    }
}
