package org.marginkernels.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.ZERO;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.pow;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import org.junit.jupiter.api.Test;

class SimplifierTest {

    @Test
    void foldsLiteralArithmeticIntoOneConstant() {
        Expr e = Simplifier.simplify(mul(COSINE, cos(sub(constant(Math.PI), constant(0.5)))));
        assertEquals(mul(COSINE, constant(Math.cos(Math.PI - 0.5))), e);
    }

    @Test
    void keepsParametersSymbolicSoTheStructureDoesNotDependOnTheirValues() {
        Expr atHalf = Simplifier.simplify(mul(COSINE, cos(sub(constant(Math.PI), param("m", 0.5)))));
        assertEquals(mul(COSINE, cos(sub(constant(Math.PI), param("m", 0.5)))), atHalf);
        // a parameter at 0 or 1 is not an identity element: m = 0 today may be m = 0.1 at the next step
        assertEquals(add(COSINE, param("m", 0)), Simplifier.simplify(add(COSINE, param("m", 0))));
        assertEquals(mul(param("t", 1), COSINE), Simplifier.simplify(mul(param("t", 1), COSINE)));
        // evaluation still folds the parameter subtree, to the value the old constant had
        assertEquals(0.3 * Math.cos(Math.PI - 0.5), ScalarEvaluator.compile(atHalf).apply(0.3, 0), 0);
    }

    @Test
    void removesIdentities() {
        assertEquals(COSINE, Simplifier.simplify(add(mul(ONE, COSINE), ZERO)));
        assertEquals(ZERO, Simplifier.simplify(mul(COSINE, ZERO)));
        assertEquals(ONE, Simplifier.simplify(pow(COSINE, ZERO)));
        assertEquals(new Expr.Unary(Expr.UnaryOp.NEG, COSINE), Simplifier.simplify(sub(ZERO, COSINE)));
    }

    @Test
    void selectWithEqualBranchesOrConstantConditionCollapses() {
        assertEquals(COSINE, Simplifier.simplify(select(gt(COSINE, ZERO), COSINE, COSINE)));
        assertEquals(ONE, Simplifier.simplify(select(gt(ONE, ZERO), ONE, COSINE)));
    }

    @Test
    void derivativeOfAPolynomialIsExact() {
        // d/dc (3c^2 + 2c) = 6c + 2
        Expr p = add(mul(constant(3), mul(COSINE, COSINE)), mul(constant(2), COSINE));
        ScalarFunction d = ScalarEvaluator.compile(Derivative.of(p, COSINE));
        for (double c : new double[] {-1, -0.3, 0, 0.7, 1}) {
            assertEquals(6 * c + 2, d.apply(c, 0), 1e-15);
        }
    }

    @Test
    void derivativeOfAConstantIsZero() {
        assertInstanceOf(Expr.Const.class, Derivative.of(cos(param("m", 0.3)), COSINE));
        assertEquals(ZERO, Derivative.of(cos(param("m", 0.3)), COSINE));
    }
}
