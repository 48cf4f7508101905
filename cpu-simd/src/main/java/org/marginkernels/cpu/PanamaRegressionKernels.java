package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.cpu.PanamaJobs.VectorMath;
import org.marginkernels.spec.RegressionSpec;

/**
 * The regression kernels with the Vector API: per coordinate the residual x = p - t, the loss l(x, t) and dl/dx,
 * both compiled from the loss's spec, summed over a row of coordinates. A job template: one hidden copy per
 * species (see {@link PanamaJobs}); the tail follows the policy of {@link PanamaKernels} (one masked vector), since
 * the loss exists only as vector code.
 */
final class PanamaRegressionKernels implements PanamaJobs.Regression {

    // a constant to the JIT because it is static final in each hidden copy
    private static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    private static final int L = S.length();
    // float accumulators reduce to double at least this often, so float error does not grow with n
    private static final int DOUBLE_BLOCK = 512;
    private static final VectorMath MATH = PanamaJobs.copy(PanamaVectorMath.class, VectorMath.class, S);

    PanamaRegressionKernels() {
    }

    @Override
    public RegressionCode compile(RegressionSpec spec) {
        return new PanamaExprCompiler(S).regression(spec, true);
    }

    @Override
    public RegressionCode compileAlternative(RegressionSpec spec) {
        return new PanamaExprCompiler(S).regression(spec, false);
    }

    @Override
    public double regression(RegressionCode code, float[] predictions, float[] targets, int n, float weight,
            float[] grad) {
        PanamaRegressionCode compiled = (PanamaRegressionCode) code;
        PanamaExpr value = compiled.value();
        PanamaExpr gradient = compiled.gradient();
        FloatVector zero = FloatVector.zero(S);
        double sum = 0;
        int i = 0;
        int bound = S.loopBound(n);
        while (i < bound) {
            // blocks start at multiples of DOUBLE_BLOCK, so the order of every sum is fixed by n alone
            int end = Math.min(bound, i + DOUBLE_BLOCK);
            FloatVector acc0 = zero;
            FloatVector acc1 = zero;
            for (; i + 2 * L <= end; i += 2 * L) {
                acc0 = acc0.add(step(value, gradient, predictions, targets, i, weight, grad));
                acc1 = acc1.add(step(value, gradient, predictions, targets, i + L, weight, grad));
            }
            // vector tail
            for (; i < end; i += L) {
                acc0 = acc0.add(step(value, gradient, predictions, targets, i, weight, grad));
            }
            // reduce
            sum += MATH.sumLanes(acc0.add(acc1));
        }
        // masked tail: lanes past n read zeros, and their values are blended out
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector t = FloatVector.fromArray(S, targets, i, m);
            FloatVector x = FloatVector.fromArray(S, predictions, i, m).sub(t);
            sum += MATH.sumLanes(zero.blend(value.apply(x, t), m));
            if (grad != null) {
                gradient.apply(x, t).mul(weight).intoArray(grad, i, m);
            }
        }
        return sum;
    }

    /** l(x, t) of the vector at {@code i}, writing weight dl/dx there when grad is not null. */
    private static FloatVector step(PanamaExpr value, PanamaExpr gradient, float[] predictions, float[] targets,
            int i, float weight, float[] grad) {
        FloatVector t = FloatVector.fromArray(S, targets, i);
        FloatVector x = FloatVector.fromArray(S, predictions, i).sub(t);
        if (grad != null) {
            gradient.apply(x, t).mul(weight).intoArray(grad, i);
        }
        return value.apply(x, t);
    }
}
