package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import java.util.List;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.junit.jupiter.api.Test;

class ArgumentSlotsTest {

    /** MV-Softmax's hard branch (t + 1) c + t: two parameter subtrees, two slots. */
    private static Expr mv(double t) {
        Expr tt = param("t", t);
        return Simplifier.simplify(select(gt(COSINE, TARGET), add(mul(add(tt, ONE), COSINE), tt), COSINE));
    }

    @Test
    void parameterSubtreesBecomeSlotsAndTheRestIsKept() {
        ArgumentSlots lifted = ArgumentSlots.lift(List.of(mv(0.2)));
        Expr.Slot s0 = new Expr.Slot(0);
        Expr.Slot s1 = new Expr.Slot(1);
        assertEquals(select(gt(COSINE, TARGET), add(mul(s0, COSINE), s1), COSINE), lifted.structure().get(0));
        assertEquals(List.of(add(param("t", 0.2), ONE), param("t", 0.2)), lifted.arguments());
        assertArrayEquals(new float[] {(float) 1.2, 0.2f}, lifted.values());
    }

    @Test
    void theStructureIsTheSameForEveryParameterValue() {
        ArgumentSlots a = ArgumentSlots.lift(List.of(mv(0.2), mv(0.2)));
        ArgumentSlots b = ArgumentSlots.lift(List.of(mv(3.5), mv(3.5)));
        assertEquals(a.structure(), b.structure());
        assertNotEquals(a.arguments(), b.arguments());
        // the same subtree in two expressions shares its slot
        assertEquals(2, a.size());
    }

    @Test
    void aSubtreeOfParametersOnlyIsOneSlotEvaluatedInDouble() {
        Expr e = Simplifier.simplify(mul(COSINE, cos(sub(param("a", 0.1), param("b", 0.7)))));
        ArgumentSlots lifted = ArgumentSlots.lift(List.of(e));
        assertEquals(mul(COSINE, new Expr.Slot(0)), lifted.structure().get(0));
        assertArrayEquals(new float[] {(float) Math.cos(0.1 - 0.7)}, lifted.values());
    }

    @Test
    void everyCatalogueLossWithParametersPrintsTheSameSourceForOtherValues() {
        MarginSoftmax sv = MarginSoftmax.builder().margin(Margins.arcFace(0.5))
                .negative(NegativeTransform.svSoftmax(1.2)).build();
        MarginSoftmax other = MarginSoftmax.builder().margin(Margins.arcFace(0.3))
                .negative(NegativeTransform.svSoftmax(2.5)).build();
        assertEquals(sv.spec().negativeArguments().structure(), other.spec().negativeArguments().structure());
        assertEquals(CPrinter.lossFunctions(sv.spec(), CDialect.OPENCL),
                CPrinter.lossFunctions(other.spec(), CDialect.OPENCL));
        assertNotEquals(sv.spec().negativeArguments().arguments(), other.spec().negativeArguments().arguments());
        LossCatalogue.all().values().forEach(loss -> assertEquals(loss.spec().negativeArguments().size(),
                loss.spec().negativeArguments().values().length, loss.toString()));
    }

    @Test
    void aLiftedExpressionCannotBeLiftedAgainNorEvaluated() {
        Expr lifted = ArgumentSlots.lift(List.of(mv(0.2))).structure().get(0);
        assertThrows(IllegalArgumentException.class, () -> ArgumentSlots.lift(List.of(lifted)));
        assertThrows(IllegalArgumentException.class, () -> ScalarEvaluator.compile(lifted));
    }
}
