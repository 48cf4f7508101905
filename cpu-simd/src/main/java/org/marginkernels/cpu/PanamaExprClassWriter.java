package org.marginkernels.cpu;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Expr.Binary;
import org.marginkernels.spec.Expr.Compare;
import org.marginkernels.spec.Expr.Const;
import org.marginkernels.spec.Expr.Param;
import org.marginkernels.spec.Expr.Select;
import org.marginkernels.spec.Expr.StraightThrough;
import org.marginkernels.spec.Expr.Unary;
import org.marginkernels.spec.Expr.Var;

/**
 * Compiles a kernel-spec expression into a hidden class whose {@code apply(c, fy)} is one straight-line method of
 * Vector API calls, generated with {@code java.lang.classfile}. Unlike the lambda tree of
 * {@link PanamaExprCompiler}, the JIT inlines the whole expression into the calling loop, so no intermediate vector
 * is boxed; constants are dynamic constants loaded from the class data, which C2 folds.
 */
final class PanamaExprClassWriter {

    private static final ClassDesc FLOAT_VECTOR = ClassDesc.of("jdk.incubator.vector.FloatVector");
    private static final ClassDesc VECTOR = ClassDesc.of("jdk.incubator.vector.Vector");
    private static final ClassDesc VECTOR_MASK = ClassDesc.of("jdk.incubator.vector.VectorMask");
    private static final ClassDesc OPERATORS = ClassDesc.of("jdk.incubator.vector.VectorOperators");
    private static final ClassDesc UNARY = OPERATORS.nested("Unary");
    private static final ClassDesc BINARY = OPERATORS.nested("Binary");
    private static final ClassDesc COMPARISON = OPERATORS.nested("Comparison");
    private static final ClassDesc PANAMA_EXPR = ClassDesc.of(PanamaExpr.class.getName());
    private static final MethodTypeDesc APPLY = MethodTypeDesc.of(FLOAT_VECTOR, FLOAT_VECTOR, FLOAT_VECTOR);
    private static final MethodTypeDesc SELF = MethodTypeDesc.of(FLOAT_VECTOR);
    private static final MethodTypeDesc WITH_VECTOR = MethodTypeDesc.of(FLOAT_VECTOR, VECTOR);

    private final VectorSpecies<Float> species;
    private final List<FloatVector> constants = new ArrayList<>();

    private PanamaExprClassWriter(VectorSpecies<Float> species) {
        this.species = species;
    }

    /** The expression as an instance of a freshly defined hidden class. */
    static PanamaExpr compile(Expr e, VectorSpecies<Float> species) {
        PanamaExprClassWriter w = new PanamaExprClassWriter(species);
        ClassDesc self = ClassDesc.of(PanamaExprClassWriter.class.getPackageName() + ".GeneratedPanamaExpr");
        byte[] bytes = ClassFile.of().build(self, cb -> {
            cb.withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC);
            cb.withInterfaceSymbols(PANAMA_EXPR);
            cb.withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void), 0, code -> code.aload(0)
                    .invokespecial(CD_Object, INIT_NAME, MethodTypeDesc.of(CD_void)).return_());
            cb.withMethodBody("apply", APPLY, ClassFile.ACC_PUBLIC, code -> {
                w.emit(code, e);
                code.areturn();
            });
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClassWithClassData(bytes,
                    List.copyOf(w.constants), true);
            return (PanamaExpr) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class))
                    .invoke();
        } catch (RuntimeException | Error ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new IllegalStateException("cannot define the generated expression class", ex);
        }
    }

    private void emit(CodeBuilder code, Expr e) {
        switch (e) {
            case Const c -> constant(code, c.value());
            case Param p -> constant(code, p.value());
            case Var v -> code.aload(v.index() + 1);
            case Unary u -> {
                emit(code, u.arg());
                switch (u.op()) {
                    case NEG -> code.invokevirtual(FLOAT_VECTOR, "neg", SELF);
                    case SQRT -> code.invokevirtual(FLOAT_VECTOR, "sqrt", SELF);
                    default -> {
                        code.getstatic(OPERATORS, u.op().name(), UNARY);
                        code.invokevirtual(FLOAT_VECTOR, "lanewise", MethodTypeDesc.of(FLOAT_VECTOR, UNARY));
                    }
                }
            }
            case Binary b -> {
                emit(code, b.left());
                if (b.op() == Expr.BinaryOp.POW) {
                    code.getstatic(OPERATORS, "POW", BINARY);
                    emit(code, b.right());
                    code.invokevirtual(FLOAT_VECTOR, "lanewise", MethodTypeDesc.of(FLOAT_VECTOR, BINARY, VECTOR));
                } else {
                    emit(code, b.right());
                    code.invokevirtual(FLOAT_VECTOR, b.op().name().toLowerCase(java.util.Locale.ROOT), WITH_VECTOR);
                }
            }
            case Select s -> {
                // f.blend(t, mask): lanes where the condition holds take the true side
                emit(code, s.ifFalse());
                emit(code, s.ifTrue());
                Compare cmp = s.condition();
                emit(code, cmp.left());
                code.getstatic(OPERATORS, cmp.op().name(), COMPARISON);
                emit(code, cmp.right());
                code.invokevirtual(FLOAT_VECTOR, "compare", MethodTypeDesc.of(VECTOR_MASK, COMPARISON, VECTOR));
                code.invokevirtual(FLOAT_VECTOR, "blend", MethodTypeDesc.of(FLOAT_VECTOR, VECTOR, VECTOR_MASK));
            }
            case StraightThrough st -> emit(code, st.value());
            case Compare c -> throw new IllegalArgumentException("a comparison is not a number: " + c);
        }
    }

    private void constant(CodeBuilder code, double value) {
        int index = constants.size();
        constants.add(FloatVector.broadcast(species, (float) value));
        code.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME,
                FLOAT_VECTOR, index));
    }
}
