package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.cpu.PanamaJobs.Level1;
import org.marginkernels.cpu.PanamaJobs.VectorMath;
import org.marginkernels.spec.KernelSpec;

/**
 * The loss row kernels with the Vector API: logits s g(c, f_y) of one row of cosines, their max and exp sum without
 * storing them, the softmax gradient and the chain rule through g, with g compiled from the loss's spec. A job
 * template: one hidden copy per species (see {@link PanamaJobs}); vector tails follow the policy of
 * {@link PanamaKernels}, which these kernels need: g and exp exist only as vector code.
 */
final class PanamaRowKernels implements PanamaJobs.RowKernels {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    // row sums reduce to double at least this often, so float error does not grow with the class count
    private static final int DOUBLE_BLOCK = 512;
    private static final VectorMath MATH = PanamaJobs.copy(PanamaVectorMath.class, VectorMath.class, S);
    private static final Level1 LEVEL1 = PanamaJobs.copy(PanamaLevel1.class, Level1.class, S);

    PanamaRowKernels() {
    }

    @Override
    public long compiledClasses() {
        return PanamaExprClassWriter.classesDefined();
    }

    @Override
    public NegativeCode compile(KernelSpec spec) {
        return new PanamaExprCompiler(S).negative(spec, true);
    }

    @Override
    public NegativeCode compileAlternative(KernelSpec spec) {
        return new PanamaExprCompiler(S).negative(spec, false);
    }

    @Override
    public void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff) {
        FloatVector fyv = FloatVector.broadcast(S, fy);
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            FloatVector gv = g == null ? cv : g.apply(cv, fyv);
            gv.mul(s).intoArray(z, zOff + i);
        }
        // masked tail
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector gv = g == null ? cv : g.apply(cv, fyv);
            gv.mul(s).intoArray(z, zOff + i, m);
        }
    }

    @Override
    public float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s) {
        if (code == null) {
            // s >= 0 and rounding is monotonic, so max_j fl(s c_j) = fl(s max_j c_j) exactly; an empty run stays
            // -infinity even where s rounds to 0 in float (a scale below 1.4e-45), where -infinity * s is NaN
            return n == 0 ? Float.NEGATIVE_INFINITY : LEVEL1.max(c, cOff, n) * s;
        }
        PanamaExpr g = ((PanamaNegativeCode) code).value();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            acc = acc.max(g.apply(FloatVector.fromArray(S, c, cOff + i), fyv).mul(s));
        }
        // masked tail: masked-off lanes stay -infinity
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector z = g.apply(FloatVector.fromArray(S, c, cOff + i, m), fyv).mul(s);
            acc = acc.max(z.blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        // reduce: max is exact, so lane order does not matter
        return acc.reduceLanes(VectorOperators.MAX);
    }

    @Override
    public double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max) {
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negMax = FloatVector.broadcast(S, -max);
        double sum = 0;
        for (int start = 0; start < n; start += DOUBLE_BLOCK) {
            int end = Math.min(n, start + DOUBLE_BLOCK);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            int bound = start + S.loopBound(end - start);
            for (; i < bound; i += L) {
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
                // s g - max in one rounding, as softmaxGradient takes s g - lse: the sum and the gradient see the
                // same exact logits (with fl(s g) the two differed by a relative 1e-4 at s = 1000)
                acc = acc.add(MATH.exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negMax)));
            }
            // masked tail
            if (i < end) {
                VectorMask<Float> m = S.indexInRange(i, end);
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
                acc = acc.add(MATH.exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negMax)), m);
            }
            // reduce
            sum += MATH.sumLanes(acc);
        }
        return sum;
    }

    @Override
    public double logitSum(NegativeCode code, float[] c, int cOff, int n, float fy) {
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        double sum = 0;
        for (int start = 0; start < n; start += DOUBLE_BLOCK) {
            int end = Math.min(n, start + DOUBLE_BLOCK);
            FloatVector acc = FloatVector.zero(S);
            int i = start;
            int bound = start + S.loopBound(end - start);
            for (; i < bound; i += L) {
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
                acc = acc.add(g == null ? cv : g.apply(cv, fyv));
            }
            // masked tail
            if (i < end) {
                VectorMask<Float> m = S.indexInRange(i, end);
                FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
                acc = acc.add(g == null ? cv : g.apply(cv, fyv), m);
            }
            // reduce
            sum += MATH.sumLanes(acc);
        }
        return sum;
    }

    @Override
    public void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float coef, float q, float[] out, int outOff) {
        FloatVector negLse = FloatVector.broadcast(S, -lse);
        FloatVector qv = FloatVector.broadcast(S, q);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negCoef = FloatVector.broadcast(S, -coef);
        FloatVector fyv = FloatVector.broadcast(S, fy);
        // g and dg/dc null for the identity: the branches are loop-invariant, so C2 splits the loop on them
        PanamaExpr g = code == null ? null : ((PanamaNegativeCode) code).value();
        PanamaExpr dg = code == null ? null : ((PanamaNegativeCode) code).gradient();
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            FloatVector p = MATH.exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negLse)).sub(qv).mul(negCoef);
            (dg == null ? p : p.mul(dg.apply(cv, fyv))).intoArray(out, outOff + i);
        }
        // masked tail
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector p = MATH.exp((g == null ? cv : g.apply(cv, fyv)).fma(sv, negLse)).sub(qv).mul(negCoef);
            (dg == null ? p : p.mul(dg.apply(cv, fyv))).intoArray(out, outOff + i, m);
        }
    }

    @Override
    public double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float q) {
        if (code == null || ((PanamaNegativeCode) code).targetGradient() == null) {
            return 0;
        }
        PanamaExpr g = ((PanamaNegativeCode) code).value();
        PanamaExpr dgdfy = ((PanamaNegativeCode) code).targetGradient();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        FloatVector sv = FloatVector.broadcast(S, s);
        FloatVector negLse = FloatVector.broadcast(S, -lse);
        FloatVector qv = FloatVector.broadcast(S, q);
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            FloatVector p = MATH.exp(g.apply(cv, fyv).fma(sv, negLse)).sub(qv);
            sum += MATH.sumLanes(p.mul(dgdfy.apply(cv, fyv)));
        }
        // masked tail: masked-off lanes add zero
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector p = MATH.exp(g.apply(cv, fyv).fma(sv, negLse)).sub(qv);
            sum += MATH.sumLanes(p.mul(dgdfy.apply(cv, fyv)).blend(0f, m.not()));
        }
        return sum;
    }

    @Override
    public void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
            int outOff) {
        if (code == null) {
            System.arraycopy(df, dfOff, out, outOff, n);
            return;
        }
        PanamaExpr dg = ((PanamaNegativeCode) code).gradient();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            FloatVector.fromArray(S, df, dfOff + i).mul(dg.apply(cv, fyv)).intoArray(out, outOff + i);
        }
        // masked tail
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            FloatVector.fromArray(S, df, dfOff + i, m).mul(dg.apply(cv, fyv)).intoArray(out, outOff + i, m);
        }
    }

    @Override
    public double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy) {
        if (code == null || ((PanamaNegativeCode) code).targetGradient() == null) {
            return 0;
        }
        PanamaExpr dgdfy = ((PanamaNegativeCode) code).targetGradient();
        FloatVector fyv = FloatVector.broadcast(S, fy);
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i);
            sum += MATH.sumLanes(FloatVector.fromArray(S, df, dfOff + i).mul(dgdfy.apply(cv, fyv)));
        }
        // masked tail: masked-off lanes add zero
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector cv = FloatVector.fromArray(S, c, cOff + i, m);
            sum += MATH.sumLanes(FloatVector.fromArray(S, df, dfOff + i, m).mul(dgdfy.apply(cv, fyv))
                    .blend(0f, m.not()));
        }
        return sum;
    }
}
