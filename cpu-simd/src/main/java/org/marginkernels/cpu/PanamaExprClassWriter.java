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
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AccessFlag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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
import org.marginkernels.spec.Exprs;

/**
 * Compiles a kernel-spec expression structure into a hidden class whose {@code apply(c, fy)} is one straight-line
 * method of Vector API calls, generated with {@code java.lang.classfile}. Unlike the lambda tree of
 * {@link PanamaExprCompiler}, the JIT inlines the whole expression into the calling loop, so no intermediate vector
 * is boxed. Literal constants are dynamic constants loaded from the class data, which C2 folds; slot k (a loss
 * parameter, see {@link org.marginkernels.spec.ArgumentSlots}) is the final field {@code a}k of the instance, set by
 * its constructor, which the loop hoists.
 *
 * <p>Classes are cached by (species, structure), at most {@value #MAX_CLASSES} of them, least recently used out
 * first; they are defined as weak hidden classes, so an evicted class is unloaded once its last instance is gone. A
 * parameter schedule therefore defines one class per expression, however many values it runs through.
 */
final class PanamaExprClassWriter {

    /** The most compiled structures kept: far more than the losses of one training run. */
    static final int MAX_CLASSES = 256;

    private static final ClassDesc FLOAT_VECTOR = ClassDesc.of("jdk.incubator.vector.FloatVector");
    private static final ClassDesc FLOAT_VECTORS = FLOAT_VECTOR.arrayType();
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

    private record Key(VectorSpecies<Float> species, Expr structure) {
    }

    private static final Map<Key, MethodHandle> CLASSES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, MethodHandle> eldest) {
            return size() > MAX_CLASSES;
        }
    };
    private static final AtomicLong DEFINED = new AtomicLong();

    private final VectorSpecies<Float> species;
    private final List<FloatVector> constants = new ArrayList<>();
    private final ClassDesc self;
    private final int slots;

    private PanamaExprClassWriter(VectorSpecies<Float> species, ClassDesc self, int slots) {
        this.species = species;
        this.self = self;
        this.slots = slots;
    }

    /**
     * The expression as an instance of the hidden class compiled for its structure, defined on first use.
     *
     * @param structure an expression over c, fy, constants and slots
     * @param arguments slot k's value, broadcast; not modified
     */
    static PanamaExpr instance(Expr structure, VectorSpecies<Float> species, FloatVector[] arguments) {
        MethodHandle constructor;
        synchronized (CLASSES) {
            constructor = CLASSES.computeIfAbsent(new Key(species, structure), k -> define(structure, species));
        }
        try {
            return (PanamaExpr) constructor.invokeExact(arguments);
        } catch (RuntimeException | Error ex) {
            throw ex;
        } catch (Throwable ex) {
            throw new IllegalStateException("cannot instantiate the generated expression class", ex);
        }
    }

    /** How many classes have been defined since this JVM started: what a parameter schedule must not grow. */
    static long classesDefined() {
        return DEFINED.get();
    }

    private static MethodHandle define(Expr e, VectorSpecies<Float> species) {
        ClassDesc self = ClassDesc.of(PanamaExprClassWriter.class.getPackageName() + ".GeneratedPanamaExpr");
        PanamaExprClassWriter w = new PanamaExprClassWriter(species, self, slotsRead(e));
        byte[] bytes = ClassFile.of().build(self, cb -> {
            cb.withFlags(AccessFlag.FINAL, AccessFlag.SYNTHETIC);
            cb.withInterfaceSymbols(PANAMA_EXPR);
            cb.withMethodBody("apply", APPLY, ClassFile.ACC_PUBLIC, code -> {
                w.emit(code, e);
                code.areturn();
            });
            for (int k = 0; k < w.slots; k++) {
                cb.withField("a" + k, FLOAT_VECTOR, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL);
            }
            // the constructor stores every slot the expression reads from the argument array
            cb.withMethodBody(INIT_NAME, MethodTypeDesc.of(CD_void, FLOAT_VECTORS), 0, code -> {
                code.aload(0).invokespecial(CD_Object, INIT_NAME, MethodTypeDesc.of(CD_void));
                for (int k = 0; k < w.slots; k++) {
                    code.aload(0).aload(1).loadConstant(k).aaload().putfield(self, "a" + k, FLOAT_VECTOR);
                }
                code.return_();
            });
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClassWithClassData(bytes,
                    List.copyOf(w.constants), true);
            DEFINED.incrementAndGet();
            return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class, FloatVector[].class))
                    .asType(MethodType.methodType(PanamaExpr.class, FloatVector[].class));
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
            case Slot slot -> code.aload(0).getfield(self, "a" + slot.index(), FLOAT_VECTOR);
            case Var v -> {
                if (v.index() > 1) {
                    throw new IllegalArgumentException("compiled code reads c and f_y only, not " + v.name());
                }
                code.aload(v.index() + 1);
            }
            case Unary u -> {
                emit(code, u.arg());
                switch (u.op()) {
                    case NEG -> code.invokevirtual(FLOAT_VECTOR, "neg", SELF);
                    case SQRT -> code.invokevirtual(FLOAT_VECTOR, "sqrt", SELF);
                    case ABS -> code.invokevirtual(FLOAT_VECTOR, "abs", SELF);
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

    /** One more than the highest slot index {@code e} reads: the fields its class needs. */
    private static int slotsRead(Expr e) {
        int[] most = {0};
        Exprs.forEachNode(e, n -> {
            if (n instanceof Slot slot) {
                most[0] = Math.max(most[0], slot.index() + 1);
            }
        });
        return most[0];
    }

    private void constant(CodeBuilder code, double value) {
        int index = constants.size();
        constants.add(FloatVector.broadcast(species, (float) value));
        code.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME,
                FLOAT_VECTOR, index));
    }
}
