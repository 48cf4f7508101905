package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;

/**
 * The split of a negative transform into a per-row value H(f_y) and a per-element rest g'(c, h): g'(c, H(f_y)) must
 * be g(c, f_y), and dg'/dh H'(f_y) must be dg/df_y, for every catalogue loss that has one; losses whose transform
 * reads f_y directly (SV- and MV-Softmax) have none.
 */
class RowHoistingTest {

    @Test
    void theSplitTransformIsTheTransform() {
        int hoisted = 0;
        SplittableRandom r = new SplittableRandom(5);
        for (var e : LossCatalogue.all().entrySet()) {
            KernelSpec spec = e.getValue().spec();
            if (spec.rowHoisting().isEmpty()) {
                continue;
            }
            hoisted++;
            RowHoisting h = spec.rowHoisting().orElseThrow();
            ArgumentSlots a = h.arguments();
            // the structure's slots evaluated back into expressions: g', dg'/dc and dg'/dh in double
            ScalarFunction g = ScalarEvaluator.compile(unlift(a.structure().get(0), a));
            ScalarFunction dgdc = ScalarEvaluator.compile(unlift(a.structure().get(1), a));
            ScalarFunction dgdh = ScalarEvaluator.compile(unlift(a.structure().get(2), a));
            for (int n = 0; n < 2000; n++) {
                double c = r.nextDouble(-1, 1);
                // f_y over the target's whole range, ArcFace's fallback below -1 included
                double fy = r.nextDouble(-1.3, 1);
                double hv = h.rowValue(fy);
                String at = e.getKey() + " at c=" + c + ", fy=" + fy;
                assertEquals(spec.negative(c, fy), g.apply(c, hv), 1e-12, at);
                assertEquals(spec.negativeGradient(c, fy), dgdc.apply(c, hv), 1e-12, at);
                assertEquals(spec.negativeTargetGradient(c, fy), dgdh.apply(c, hv) * h.rowValueGradient(fy), 1e-9,
                        at);
            }
        }
        assertTrue(hoisted >= 1, "CurricularFace's threshold is a per-row value");
        MarginSoftmax sv = LossCatalogue.all().get("sv-softmax");
        assertFalse(sv.spec().rowHoisting().isPresent(), "SV-Softmax compares c with f_y itself");
        assertFalse(LossCatalogue.all().get("curricularface").spec().rowHoisting().orElseThrow().arguments()
                .structure().stream().anyMatch(x -> Exprs.anyNode(x, n -> n instanceof Expr.Unary u
                        && u.op() == Expr.UnaryOp.SQRT)), "no square root is left per element");
    }

    /** The expression with each slot replaced by its argument expression. */
    private static Expr unlift(Expr e, ArgumentSlots a) {
        return switch (e) {
            case Expr.Slot s -> a.arguments().get(s.index());
            case Expr.Const c -> c;
            case Expr.Param p -> p;
            case Expr.Var v -> v;
            case Expr.Unary u -> new Expr.Unary(u.op(), unlift(u.arg(), a));
            case Expr.Binary b -> new Expr.Binary(b.op(), unlift(b.left(), a), unlift(b.right(), a));
            case Expr.Compare c -> new Expr.Compare(c.op(), unlift(c.left(), a), unlift(c.right(), a));
            case Expr.Select s -> new Expr.Select((Expr.Compare) unlift(s.condition(), a), unlift(s.ifTrue(), a),
                    unlift(s.ifFalse(), a));
            case Expr.StraightThrough st -> new Expr.StraightThrough(unlift(st.value(), a), unlift(st.gradient(), a));
        };
    }
}
