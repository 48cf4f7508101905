package org.marginkernels.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;

/**
 * The job classes behind {@link PanamaKernels}: one hidden-class copy of each per species, and the interfaces
 * through which copies call each other.
 *
 * <p>A job class ({@link PanamaLevel1}, {@link PanamaTranspose}, {@link PanamaGemm}, {@link PanamaVectorMath},
 * {@link PanamaRowKernels}) is a template like {@link PanamaKernels}: it reads its species from its class data
 * ({@link PanamaSpecies#classDataOrPreferred}) into a {@code static final}, and {@link #copy} defines one copy per
 * species with that species as class data, so C2 compiles straight vector code in every copy. A copy cannot be named
 * in bytecode (a call by class name reaches the template, whose species is the preferred one), so a copy holds the
 * copies it calls in {@code static final} fields typed by these interfaces: constants, whose calls C2 binds and
 * inlines like static calls. A job class therefore stays free of nested classes and lambdas (they would not be
 * copied) and names another job class only as a template for {@link #copy}.
 */
final class PanamaJobs {

    private record Key(Class<?> template, VectorSpecies<Float> species) {
    }

    private static final ConcurrentMap<Key, Object> COPIES = new ConcurrentHashMap<>();

    private PanamaJobs() {
    }

    /**
     * The copy of {@code template} specialized for {@code species}, defined on first use and shared after that, as
     * its interface {@code type}.
     *
     * @throws IllegalStateException when the template's class file cannot be read or specialized
     */
    static <T> T copy(Class<?> template, Class<T> type, VectorSpecies<Float> species) {
        Key key = new Key(template, species);
        Object copy = COPIES.get(key);
        if (copy == null) {
            // not computeIfAbsent: a copy's static initializer asks for the copies it calls
            copy = define(template, species);
            Object raced = COPIES.putIfAbsent(key, copy);
            copy = raced == null ? copy : raced;
        }
        return type.cast(copy);
    }

    /** NR, the panel width of packed GEMM operands: the register block is MR rows x two vectors. */
    static int panelWidth(VectorSpecies<Float> species) {
        return 2 * species.length();
    }

    private static Object define(Class<?> template, VectorSpecies<Float> species) {
        String file = template.getSimpleName() + ".class";
        try (InputStream in = template.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException(file + " not found next to " + template.getName());
            }
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClassWithClassData(in.readAllBytes(),
                    species, true);
            return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot specialize " + template.getSimpleName() + " for "
                    + species.vectorBitSize() + " bits", e);
        }
    }

    /** The level-1 kernels of {@link CpuKernels}, with its contracts: norms, dots, scaling, max. */
    interface Level1 {

        double sumOfSquares(float[] a, int off, int n);

        double dot(float[] a, int aOff, float[] b, int bOff, int n);

        void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n);

        void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride,
                int panels);

        void removeAlong(float[] g, int gOff, float[] x, int xOff, double along, double inverseNorm, float[] out,
                int outOff, int n);

        float max(float[] a, int off, int n);
    }

    /** {@link CpuKernels#packRowsTransposed}, with its contract. */
    interface Transpose {

        void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff,
                int columns, float[] out);

        void rowBlocks(float[] a, int aOff, int aRow, int aK, int m, int k, float[] out, int outOff);
    }

    /** {@link CpuKernels#gemm}, with its contract. */
    interface Gemm {

        int rowBlock();

        void gemm(float[] a, int aOff, float[] b, int bOff, int panels, int k, float[] c, int cOff, int cRow, int m,
                boolean accumulate);
    }

    /** Lane-wise math on vectors of the copy's species, giving the same bits compiled or interpreted. */
    interface VectorMath {

        /** exp(x) lane by lane, flushed to zero below 2^-126. */
        FloatVector exp(FloatVector x);

        /** The sum of the lanes in double, by a fixed tree. */
        double sumLanes(FloatVector v);
    }

    /** The loss row kernels of {@link CpuKernels} and the compiler of their negative code, with its contracts. */
    interface RowKernels {

        long compiledClasses();

        NegativeCode compile(KernelSpec spec);

        NegativeCode compileAlternative(KernelSpec spec);

        void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff);

        float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s);

        double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max);

        double logitSum(NegativeCode code, float[] c, int cOff, int n, float fy);

        void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
                float coef, float q, float[] out, int outOff);

        double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse, float q);

        void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
                int outOff);

        double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy);
    }

    /** The regression kernels of {@link CpuKernels} and their compiler, with its contracts. */
    interface Regression {

        RegressionCode compile(RegressionSpec spec);

        RegressionCode compileAlternative(RegressionSpec spec);

        double regression(RegressionCode code, float[] predictions, float[] targets, int n, float weight,
                float[] grad);
    }
}
