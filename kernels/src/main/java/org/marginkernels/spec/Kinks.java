package org.marginkernels.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a piecewise expression may have a kink: the constants and parameters it compares its variable with or clamps
 * it to, and 0 for every |.| it takes.
 */
public final class Kinks {

    private Kinks() {
    }

    /**
     * Constants and parameters compared with (or clamped against) the variable, and 0 where it takes an absolute
     * value: the points where a piecewise expression may kink.
     */
    public static List<Double> of(Expr e) {
        List<Double> out = new ArrayList<>();
        collect(e, out);
        return out;
    }

    public static boolean farFrom(Expr e, double c, double distance) {
        for (double k : of(e)) {
            if (Math.abs(c - k) < distance) {
                return false;
            }
        }
        return true;
    }

    private static void collect(Expr e, List<Double> out) {
        switch (e) {
            case Expr.Unary u -> {
                if (u.op() == Expr.UnaryOp.ABS) {
                    out.add(0.0);
                }
                collect(u.arg(), out);
            }
            case Expr.Binary b -> {
                if (b.op() == Expr.BinaryOp.MIN || b.op() == Expr.BinaryOp.MAX) {
                    constantSide(b.left(), b.right(), out);
                }
                collect(b.left(), out);
                collect(b.right(), out);
            }
            case Expr.Compare c -> {
                constantSide(c.left(), c.right(), out);
                collect(c.left(), out);
                collect(c.right(), out);
            }
            case Expr.Select s -> {
                collect(s.condition(), out);
                collect(s.ifTrue(), out);
                collect(s.ifFalse(), out);
            }
            case Expr.StraightThrough st -> {
                collect(st.value(), out);
                collect(st.gradient(), out);
            }
            default -> {
            }
        }
    }

    private static void constantSide(Expr a, Expr b, List<Double> out) {
        for (Expr side : new Expr[] {a, b}) {
            if (side instanceof Expr.Const k) {
                out.add(k.value());
            } else if (side instanceof Expr.Param p) {
                out.add(p.value());
            }
        }
    }
}
