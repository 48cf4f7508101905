package org.marginkernels.cpu;

import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;

/**
 * The micro-kernels the fused CPU algorithm is written against, implemented twice: with the Vector API
 * ({@link PanamaKernels}, specialized per species) and in plain Java ({@link ScalarKernels}). Everything above this
 * interface (tiling, online softmax, threading) is shared, so both run the same algorithm.
 *
 * <p>Packed panels: a matrix B (k x n) is stored as ceil(n / {@link #panelWidth()}) panels, panel p holding
 * B[kk][p*NR + r] at {@code p*k*NR + kk*NR + r}, zero-padded to a whole panel (see {@link Packing}).
 *
 * <p>Row blocks: a matrix A (m x k), the left operand of {@link #gemm}, is stored as ceil(m / {@link #rowBlock()})
 * blocks of MR rows, block r holding A[r*MR + q][kk] at {@code r*MR*k + kk*MR + q}, zero-padded to a whole block
 * ({@link Packing#rowBlocks}).
 */
interface CpuKernels {

    /** A short description, such as "panama 256-bit" or "scalar". */
    String description();

    /** NR: the columns of one packed panel, a multiple of the vector length. */
    int panelWidth();

    /** MR: the rows of one block of {@link #gemm}'s left operand, the rows its register block computes together. */
    int rowBlock();

    /**
     * sum_k a[off + k]^2 for k &lt; n, reduced in double: finite and accurate to a float sum's rounding for any finite
     * row (an implementation that sums in float sums again in double where that overflowed or lost digits).
     */
    double sumOfSquares(float[] a, int off, int n);

    /**
     * sum_k a[aOff + k] b[bOff + k] for k &lt; n, reduced in double; products and partial sums may run in float, so
     * callers use it where both rows are {@link #inFloatRange} and fall back to {@link #exactDot}.
     */
    double dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * Whether a row with this |x|^2 is in [2^-60, 2^60], where a float dot product with another such row neither
     * overflows (|products| and partial sums stay below 2^60) nor loses digits to subnormal products (each is
     * off by at most 2^-149, far below eps 2^-60 for any length an array holds).
     */
    static boolean inFloatRange(double sumOfSquares) {
        return sumOfSquares >= 0x1p-60 && sumOfSquares <= 0x1p60;
    }

    /**
     * sum_k a[aOff + k] b[bOff + k] in double in index order: each product of two floats is exact in double and no
     * sum of them overflows, so it serves rows of any finite values.
     */
    static double exactDot(float[] a, int aOff, float[] b, int bOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** dst[dstOff + k] = src[srcOff + k] * factor. dst modified; may alias src. */
    void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n);

    /** {@link Packing#rowBlocks} with this kernels' row block, vectorized where the kernels can. */
    default void rowBlocks(float[] a, int aOff, int aRow, int aK, int m, int k, float[] out, int outOff) {
        Packing.rowBlocks(rowBlock(), a, aOff, aRow, aK, m, k, out, outOff);
    }

    /** {@link Packing#packRowsTransposed} with this kernels' panel width, vectorized where the kernels can. */
    void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff, int columns,
            float[] out);

    /**
     * Scatters {@code panels} runs of {@link #panelWidth()} floats, scaled: dst[dstOff + p*panelStride + q] =
     * src[srcOff + p*NR + q] * factor. One row of a packed operand in one call. dst modified.
     */
    void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride, int panels);

    /**
     * out[outOff + k] = (g[gOff + k] - along x[xOff + k]) inverseNorm, the normalization backward of one row: along
     * is applied as two floats (hi + lo), one FMA each, so the subtraction keeps a double-like relative error where
     * it cancels. out modified.
     */
    void removeAlong(float[] g, int gOff, float[] x, int xOff, double along, double inverseNorm, float[] out,
            int outOff, int n);

    /** max_k a[off + k] for k &lt; n; -infinity for n = 0. */
    float max(float[] a, int off, int n);

    /**
     * C (m x panels*NR) = A (m x k) * B, or C += A B when {@code accumulate}; A is in row blocks of this kernels'
     * {@link #rowBlock()}: ceil(m / MR) whole blocks from {@code aOff} (the start of a block), B is packed (panels of
     * NR columns), C rows start at {@code cOff + i*cRow} and are written for whole panels, rows [0, m) only. Each
     * element of C is one chain of FMAs over k in order, from zero (then added once to C when accumulating), whatever
     * the block or vector width. c modified.
     */
    void gemm(float[] a, int aOff, float[] b, int bOff, int panels, int k, float[] c, int cOff, int cRow, int m,
            boolean accumulate);

    /**
     * How many classes this implementation's compiler has defined in this JVM (0 for one that defines none): what a
     * parameter schedule must not grow, since compiled code is cached by the spec's structure.
     */
    default long compiledClasses() {
        return 0;
    }

    /** Compiles the negative transform g(c, f_y) of a spec and its two derivatives; null for the identity. */
    NegativeCode compile(KernelSpec spec);

    /**
     * The same transform as {@link #compile}, compiled the other way where an implementation has two (the Vector API
     * kernels: a tree of vector lambdas instead of generated classes), so tests can check one against the other.
     */
    NegativeCode compileAlternative(KernelSpec spec);

    /**
     * What the code takes in f_y's place for a row whose target logit is f_y: f_y itself, or the per-row value
     * H(f_y) of the code's {@link org.marginkernels.spec.RowHoisting}, computed in double and rounded once.
     */
    default float rowArgument(NegativeCode code, float fy) {
        return fy;
    }

    /** d{@link #rowArgument}/df_y: the factor that turns the code's dg/d(argument) into dg/df_y. */
    default double rowArgumentGradient(NegativeCode code, float fy) {
        return 1;
    }

    /** z_j = s g(c_j, fy) for j &lt; n (g the identity when code is null). z modified. */
    void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff);

    /** max_j z_j for j &lt; n of the logits z_j = s g(c_j, fy) of {@link #logits}, without storing them. */
    float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s);

    /**
     * sum_j exp(z_j - max) for j &lt; n of the logits z_j = s g(c_j, fy), without storing them, with the roundings of
     * {@link #logits}, accumulated in double; max must be finite.
     */
    double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max);

    /** sum_j g(c_j, fy) for j &lt; n (g the identity when code is null), unscaled, accumulated in double. */
    double logitSum(NegativeCode code, float[] c, int cOff, int n, float fy);

    /** {@link #logitSum} over j &lt; n leaving out j = skip, cut around it like {@link #logitExpSumSkipping}. */
    default double logitSumSkipping(NegativeCode code, float[] c, int cOff, int n, int skip, float fy) {
        int cut = cut(skip, n);
        int rest = rest(cut, n);
        double sum = logitSum(code, c, cOff, cut, fy);
        return rest == 0 ? sum : sum + logitSum(code, c, cOff + cut + 1, rest, fy);
    }

    /** {@link #logitMax} over j &lt; n leaving out j = skip (nothing is left out when skip is not in [0, n)). */
    default float logitMaxSkipping(NegativeCode code, float[] c, int cOff, int n, int skip, float fy, float s) {
        int cut = cut(skip, n);
        int rest = rest(cut, n);
        float max = logitMax(code, c, cOff, cut, fy, s);
        // most rows have their target in another tile: no second run, and no call for an empty one
        return rest == 0 ? max : Math.max(max, logitMax(code, c, cOff + cut + 1, rest, fy, s));
    }

    /**
     * {@link #logitExpSum} over j &lt; n leaving out j = skip, as two runs cut around it: the target's term is never
     * formed, so nothing is stored or patched to -infinity.
     */
    default double logitExpSumSkipping(NegativeCode code, float[] c, int cOff, int n, int skip, float fy, float s,
            float max) {
        int cut = cut(skip, n);
        int rest = rest(cut, n);
        double sum = logitExpSum(code, c, cOff, cut, fy, s, max);
        return rest == 0 ? sum : sum + logitExpSum(code, c, cOff + cut + 1, rest, fy, s, max);
    }

    /** {@link #targetPathSum} over j &lt; n leaving out j = skip, cut around it like {@link #logitExpSumSkipping}. */
    default double targetPathSumSkipping(NegativeCode code, float[] c, int cOff, int n, int skip, float fy, float s,
            float lse, float q) {
        int cut = cut(skip, n);
        int rest = rest(cut, n);
        double sum = targetPathSum(code, c, cOff, cut, fy, s, lse, q);
        return rest == 0 ? sum : sum + targetPathSum(code, c, cOff + cut + 1, rest, fy, s, lse, q);
    }

    /** Where a row of n is cut to leave out skip: skip itself, or n (nothing left out) when it is outside [0, n). */
    private static int cut(int skip, int n) {
        return skip >= 0 && skip < n ? skip : n;
    }

    /** The length of the run after a cut: n - cut - 1, or 0 when nothing was left out. */
    private static int rest(int cut, int n) {
        return n - Math.min(n, cut + 1);
    }

    /**
     * out_j = -coef (exp(s g(c_j, fy) - lse) - q) dg/dc(c_j, fy): the non-target dL/dc of a row, q the label
     * smoothing mass (0 without). out modified; may alias c at the same offset.
     */
    void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse, float coef,
            float q, float[] out, int outOff);

    /**
     * sum_j (exp(s g(c_j, fy) - lse) - q) dg/dfy(c_j, fy) in double: the softmax mass that flows back through f_y,
     * q as in {@link #softmaxGradient}.
     */
    double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse, float q);

    /** out_j = df_j dg/dc(c_j, fy). out modified; may alias df at the same offset. */
    void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
            int outOff);

    /** sum_j df_j dg/dfy(c_j, fy) in double. */
    double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy);

    /** Compiles a regression loss's l(x, y) and dl/dx. */
    RegressionCode compile(RegressionSpec spec);

    /** The same loss as {@link #compile(RegressionSpec)}, compiled the other way where an implementation has two. */
    RegressionCode compileAlternative(RegressionSpec spec);

    /**
     * sum_i l(x_i, y_i) for i &lt; n, x_i = fl(predictions_i - targets_i), y_i = targets_i, accumulated in double in
     * a fixed order; grad_i = weight dl/dx(x_i, y_i) when grad is not null. grad modified.
     */
    double regression(RegressionCode code, float[] predictions, float[] targets, int n, float weight, float[] grad);
}
