package org.marginkernels.spec;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.TARGET;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * A negative transform g(c, f_y) split into a per-row value h = H(f_y), computed once per row, and the per-element
 * rest g'(c, h) with g(c, f_y) = g'(c, H(f_y)); dg/dc = dg'/dc and dg/df_y = dg'/dh H'(f_y). Compiled per-element
 * code that evaluated H for every class (CurricularFace's hard-negative threshold cos(theta_y + m), recovered from f_y
 * with a clamp, a square root and a select) grows past what a JIT inlines into the row loops, and the vector code
 * that is not inlined allocates its intermediate vectors: at 128 x 512 x 1M that was 2 GB of garbage a step.
 *
 * <p>H is the one largest subtree of g that reads f_y and not c; g has a hoisting only when there is exactly one such
 * subtree and it is more than f_y itself (SV- and MV-Softmax compare c with f_y directly: nothing to hoist).
 *
 * @param rowValue H, over {@link Exprs#TARGET} (f_y) and parameters
 * @param arguments g'(c, h), dg'/dc and dg'/dh with h in {@link Exprs#TARGET}'s place, parameters lifted as in
 *     {@link KernelSpec#negativeArguments()}
 * @param rowValueFn H compiled for double evaluation
 * @param rowValueGradientFn dH/df_y compiled for double evaluation
 */
public record RowHoisting(Expr rowValue, ArgumentSlots arguments, ScalarFunction rowValueFn,
        ScalarFunction rowValueGradientFn) {

    /**
     * The hoisting of a simplified negative transform, or empty when g has none.
     *
     * @param negative g(c, f_y), simplified
     */
    public static Optional<RowHoisting> of(Expr negative) {
        Set<Expr> rowOnly = new LinkedHashSet<>();
        collect(negative, rowOnly);
        if (rowOnly.size() != 1 || rowOnly.contains(TARGET)) {
            return Optional.empty();
        }
        Expr h = rowOnly.iterator().next();
        Expr rest = Simplifier.simplify(replace(negative, h));
        ArgumentSlots arguments = ArgumentSlots.lift(List.of(rest, Derivative.of(rest, COSINE),
                Derivative.of(rest, TARGET)));
        return Optional.of(new RowHoisting(h, arguments, ScalarEvaluator.compile(h),
                ScalarEvaluator.compile(Derivative.of(h, TARGET))));
    }

    /** h = H(f_y) in double. */
    public double rowValue(double fy) {
        return rowValueFn.apply(0, fy);
    }

    /** dH/df_y in double. */
    public double rowValueGradient(double fy) {
        return rowValueGradientFn.apply(0, fy);
    }

    /** Adds the largest subtrees of e that read f_y and not c (never a comparison, which is no value). */
    private static void collect(Expr e, Set<Expr> out) {
        if (!(e instanceof Compare) && Simplifier.reads(e, TARGET) && !Simplifier.reads(e, COSINE)) {
            out.add(e);
            return;
        }
        for (Expr child : Exprs.children(e)) {
            collect(child, out);
        }
    }

    /** e with every occurrence of h replaced by f_y's variable, which then carries h. */
    private static Expr replace(Expr e, Expr h) {
        if (e.equals(h)) {
            return TARGET;
        }
        return switch (e) {
            case Const c -> c;
            case Param p -> p;
            case Slot s -> s;
            case Var v -> v;
            case Unary u -> new Unary(u.op(), replace(u.arg(), h));
            case Binary b -> new Binary(b.op(), replace(b.left(), h), replace(b.right(), h));
            case Compare c -> new Compare(c.op(), replace(c.left(), h), replace(c.right(), h));
            case Select s -> new Select((Compare) replace(s.condition(), h), replace(s.ifTrue(), h),
                    replace(s.ifFalse(), h));
            case StraightThrough st -> new StraightThrough(replace(st.value(), h), replace(st.gradient(), h));
        };
    }
}
