package org.marginkernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import java.util.List;
import org.marginkernels.spec.ArgumentSlots;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.Slot;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.Var;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;
import org.marginkernels.spec.RowHoisting;

/**
 * Compiles kernel-spec expressions into vector code: trees of vector lambdas, the vector twin of
 * {@link org.marginkernels.spec.ScalarEvaluator} (constants are broadcast once, a {@link Select} evaluates both
 * sides and blends them under the comparison mask, a {@link StraightThrough} evaluates its value side), or the same
 * semantics as generated hidden classes ({@link PanamaExprClassWriter}), which the kernels use by default. Both
 * compile the spec's {@link KernelSpec#negativeArguments() structure}: the loss's parameters arrive as arguments.
 */
final class PanamaExprCompiler {

    /** A compiled comparison. */
    @FunctionalInterface
    private interface MaskFunction {
        VectorMask<Float> test(FloatVector c, FloatVector fy);
    }

    private final VectorSpecies<Float> species;

    PanamaExprCompiler(VectorSpecies<Float> species) {
        this.species = species;
    }

    /**
     * The negative transform of {@code spec} with its derivatives, or null when the spec has none.
     *
     * @param generated true for hidden classes of straight-line code ({@link PanamaExprClassWriter}), which the JIT
     *        inlines into the row loops (measured at (256, 512, 100 000) with SV-Softmax: the transform costs about
     *        half as much CPU time as with lambdas, whose intermediate vectors are boxed between calls); false for
     *        the tree of vector lambdas
     */
    PanamaNegativeCode negative(KernelSpec spec, boolean generated) {
        if (!spec.hasNegative()) {
            return null;
        }
        // the structure (g, dg/dc, dg/dfy) with the parameters in argument slots: one compiled class per structure
        // serves every parameter value; a per-row part of g is left to the callers (RowHoisting)
        RowHoisting hoisting = spec.rowHoisting().orElse(null);
        ArgumentSlots lifted = hoisting == null ? spec.negativeArguments() : hoisting.arguments();
        float[] values = lifted.values();
        FloatVector[] arguments = new FloatVector[values.length];
        for (int k = 0; k < values.length; k++) {
            arguments[k] = FloatVector.broadcast(species, values[k]);
        }
        List<Expr> fns = lifted.structure();
        PanamaExpr targetGradient = spec.negativeIgnoresTarget() ? null : compile(fns.get(2), arguments, generated);
        return new PanamaNegativeCode(compile(fns.get(0), arguments, generated),
                compile(fns.get(1), arguments, generated), targetGradient, hoisting);
    }

    /**
     * A regression loss's l(x, y) and dl/dx as hidden classes (or, when not {@code generated}, lambda trees) of the
     * spec's {@link RegressionSpec#arguments() structure}; x and y arrive in the variable slots of c and f_y.
     */
    PanamaRegressionCode regression(RegressionSpec spec, boolean generated) {
        ArgumentSlots lifted = spec.arguments();
        float[] values = lifted.values();
        FloatVector[] arguments = new FloatVector[values.length];
        for (int k = 0; k < values.length; k++) {
            arguments[k] = FloatVector.broadcast(species, values[k]);
        }
        List<Expr> fns = lifted.structure();
        return new PanamaRegressionCode(compile(fns.get(0), arguments, generated),
                compile(fns.get(1), arguments, generated));
    }

    private PanamaExpr compile(Expr e, FloatVector[] arguments, boolean generated) {
        return generated ? PanamaExprClassWriter.instance(e, species, arguments) : compile(e, arguments);
    }

    /** Compiles {@code e} into a vector function of (c, fy); slot k reads {@code arguments[k]}. */
    PanamaExpr compile(Expr e, FloatVector[] arguments) {
        return switch (e) {
            case Const c -> constant(c.value());
            case Param p -> constant(p.value());
            case Slot slot -> {
                FloatVector v = arguments[slot.index()];
                yield (c, fy) -> v;
            }
            case Var v -> switch (v.index()) {
                case 0 -> (c, fy) -> c;
                case 1 -> (c, fy) -> fy;
                default -> throw new IllegalArgumentException("compiled code reads c and f_y only, not " + v.name());
            };
            case Unary u -> unary(u, compile(u.arg(), arguments));
            case Binary b -> binary(b, compile(b.left(), arguments), compile(b.right(), arguments));
            case Select s -> {
                MaskFunction cond = condition(s.condition(), arguments);
                PanamaExpr t = compile(s.ifTrue(), arguments);
                PanamaExpr f = compile(s.ifFalse(), arguments);
                yield (c, fy) -> f.apply(c, fy).blend(t.apply(c, fy), cond.test(c, fy));
            }
            case StraightThrough st -> compile(st.value(), arguments);
            case Compare c -> throw new IllegalArgumentException("a comparison is not a number: " + c);
        };
    }

    private PanamaExpr constant(double value) {
        FloatVector v = FloatVector.broadcast(species, (float) value);
        return (c, fy) -> v;
    }

    // one lambda per operator, so that inside each lambda the operator is a constant the JIT can intrinsify
    private MaskFunction condition(Compare cmp, FloatVector[] arguments) {
        PanamaExpr a = compile(cmp.left(), arguments);
        PanamaExpr b = compile(cmp.right(), arguments);
        return switch (cmp.op()) {
            case LT -> (c, fy) -> a.apply(c, fy).compare(VectorOperators.LT, b.apply(c, fy));
            case LE -> (c, fy) -> a.apply(c, fy).compare(VectorOperators.LE, b.apply(c, fy));
            case GT -> (c, fy) -> a.apply(c, fy).compare(VectorOperators.GT, b.apply(c, fy));
            case GE -> (c, fy) -> a.apply(c, fy).compare(VectorOperators.GE, b.apply(c, fy));
        };
    }

    private static PanamaExpr unary(Unary u, PanamaExpr a) {
        return switch (u.op()) {
            case NEG -> (c, fy) -> a.apply(c, fy).neg();
            case SQRT -> (c, fy) -> a.apply(c, fy).sqrt();
            case EXP -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.EXP);
            case EXPM1 -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.EXPM1);
            case LOG -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.LOG);
            case COS -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.COS);
            case SIN -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.SIN);
            case ACOS -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.ACOS);
            case ABS -> (c, fy) -> a.apply(c, fy).abs();
            case LOG1P -> (c, fy) -> a.apply(c, fy).lanewise(VectorOperators.LOG1P);
        };
    }

    private static PanamaExpr binary(Binary b, PanamaExpr l, PanamaExpr r) {
        return switch (b.op()) {
            case ADD -> (c, fy) -> l.apply(c, fy).add(r.apply(c, fy));
            case SUB -> (c, fy) -> l.apply(c, fy).sub(r.apply(c, fy));
            case MUL -> (c, fy) -> l.apply(c, fy).mul(r.apply(c, fy));
            case DIV -> (c, fy) -> l.apply(c, fy).div(r.apply(c, fy));
            case MIN -> (c, fy) -> l.apply(c, fy).min(r.apply(c, fy));
            case MAX -> (c, fy) -> l.apply(c, fy).max(r.apply(c, fy));
            case POW -> (c, fy) -> l.apply(c, fy).lanewise(VectorOperators.POW, r.apply(c, fy));
        };
    }
}
