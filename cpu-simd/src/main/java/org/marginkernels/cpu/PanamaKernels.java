package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.VectorSpecies;
import org.marginkernels.cpu.PanamaJobs.Gemm;
import org.marginkernels.cpu.PanamaJobs.Level1;
import org.marginkernels.cpu.PanamaJobs.Regression;
import org.marginkernels.cpu.PanamaJobs.RowKernels;
import org.marginkernels.cpu.PanamaJobs.Transpose;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spec.RegressionSpec;
import org.marginkernels.spec.RowHoisting;

/**
 * The Vector API micro-kernels for the species {@link #S}, delegating each job to a class of its own:
 * {@link PanamaLevel1} (norms, dots, scaling, max), {@link PanamaTranspose} (packing the transpose of rows),
 * {@link PanamaGemm} (register blocks), {@link PanamaRowKernels} (the loss row kernels) and {@link PanamaVectorMath}
 * (exp, lane sums). This class is a template: {@link PanamaSpecies} loads one hidden-class copy per species with that
 * species as class data, so in each copy {@code S} is a {@code static final} constant. The job classes are
 * templates in the same way, copied per species by {@link PanamaJobs}, so that the species is a constant in every
 * hot loop, not only here; each copy of this class holds the copies of its species. Never instantiate the class
 * itself; it must stay free of nested classes and lambdas, which would not be copied.
 *
 * <p>Vector tails, one policy for every kernel: whole vectors run unmasked up to {@code S.loopBound(n)} (over
 * several accumulators where a kernel reduces, then a vector tail one vector at a time), and one masked vector
 * covers the last n % L elements with the body's own vector code, so every element gets the same roundings
 * wherever a row is cut (a scalar tail would need a scalar twin of exp and of every compiled expression); a mask in
 * the loop body would leave its range check out of line on every pass. Reductions reduce after the masked vector,
 * whose masked-off lanes are neutral (zero for sums, -infinity for max). Exceptions, each marked at its tail:
 * {@link #dot} (and so {@link #sumOfSquares}) ends with a scalar tail in double, since its products are exact
 * there and a float tail would change the bits of every dot product; {@link #gemm} and {@link #scalePanels} have
 * no tail, since packed operands are whole NR-wide panels padded with zeros; and {@link #packRowsTransposed}
 * copies the last dim % L columns by index, since it transposes whole L x L blocks of registers.
 */
final class PanamaKernels implements CpuKernels {

    // a constant to the JIT because it is static final in each hidden copy
    static final VectorSpecies<Float> S = PanamaSpecies.classDataOrPreferred(MethodHandles.lookup());
    // constants too, so C2 binds and inlines the calls into the copies of the same species
    private static final Level1 LEVEL1 = PanamaJobs.copy(PanamaLevel1.class, Level1.class, S);
    private static final Transpose TRANSPOSE = PanamaJobs.copy(PanamaTranspose.class, Transpose.class, S);
    private static final Gemm GEMM = PanamaJobs.copy(PanamaGemm.class, Gemm.class, S);
    private static final RowKernels ROWS = PanamaJobs.copy(PanamaRowKernels.class, RowKernels.class, S);
    private static final Regression REGRESSION = PanamaJobs.copy(PanamaRegressionKernels.class, Regression.class, S);

    PanamaKernels() {
    }

    @Override
    public String description() {
        return "panama " + S.vectorBitSize() + "-bit";
    }

    @Override
    public int panelWidth() {
        return PanamaJobs.panelWidth(S);
    }

    @Override
    public double sumOfSquares(float[] a, int off, int n) {
        return LEVEL1.sumOfSquares(a, off, n);
    }

    @Override
    public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return LEVEL1.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void scale(float[] src, int srcOff, float factor, float[] dst, int dstOff, int n) {
        LEVEL1.scale(src, srcOff, factor, dst, dstOff, n);
    }

    @Override
    public void scalePanels(float[] src, int srcOff, float factor, float[] dst, int dstOff, int panelStride,
            int panels) {
        LEVEL1.scalePanels(src, srcOff, factor, dst, dstOff, panelStride, panels);
    }

    @Override
    public void removeAlong(float[] g, int gOff, float[] x, int xOff, double along, double inverseNorm, float[] out,
            int outOff, int n) {
        LEVEL1.removeAlong(g, gOff, x, xOff, along, inverseNorm, out, outOff, n);
    }

    @Override
    public float max(float[] a, int off, int n) {
        return LEVEL1.max(a, off, n);
    }

    @Override
    public void packRowsTransposed(float[] m, int dim, int row0, int rows, float[] rowScale, int scaleOff,
            int columns, float[] out) {
        TRANSPOSE.packRowsTransposed(m, dim, row0, rows, rowScale, scaleOff, columns, out);
    }

    @Override
    public void rowBlocks(float[] a, int aOff, int aRow, int aK, int m, int k, float[] out, int outOff) {
        TRANSPOSE.rowBlocks(a, aOff, aRow, aK, m, k, out, outOff);
    }

    @Override
    public int rowBlock() {
        return GEMM.rowBlock();
    }

    @Override
    public void gemm(float[] a, int aOff, float[] b, int bOff, int panels, int k, float[] c, int cOff, int cRow,
            int m, boolean accumulate) {
        GEMM.gemm(a, aOff, b, bOff, panels, k, c, cOff, cRow, m, accumulate);
    }

    @Override
    public long compiledClasses() {
        return ROWS.compiledClasses();
    }

    @Override
    public NegativeCode compile(KernelSpec spec) {
        return ROWS.compile(spec);
    }

    @Override
    public NegativeCode compileAlternative(KernelSpec spec) {
        return ROWS.compileAlternative(spec);
    }

    @Override
    public void logits(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float[] z, int zOff) {
        ROWS.logits(code, c, cOff, n, fy, s, z, zOff);
    }

    @Override
    public float logitMax(NegativeCode code, float[] c, int cOff, int n, float fy, float s) {
        return ROWS.logitMax(code, c, cOff, n, fy, s);
    }

    @Override
    public double logitExpSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float max) {
        return ROWS.logitExpSum(code, c, cOff, n, fy, s, max);
    }

    @Override
    public float rowArgument(NegativeCode code, float fy) {
        RowHoisting h = code == null ? null : ((PanamaNegativeCode) code).hoisting();
        return h == null ? fy : (float) h.rowValue(fy);
    }

    @Override
    public double rowArgumentGradient(NegativeCode code, float fy) {
        RowHoisting h = code == null ? null : ((PanamaNegativeCode) code).hoisting();
        return h == null ? 1 : h.rowValueGradient(fy);
    }

    @Override
    public double logitSum(NegativeCode code, float[] c, int cOff, int n, float fy) {
        return ROWS.logitSum(code, c, cOff, n, fy);
    }

    @Override
    public void softmaxGradient(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float coef, float q, float[] out, int outOff) {
        ROWS.softmaxGradient(code, c, cOff, n, fy, s, lse, coef, q, out, outOff);
    }

    @Override
    public double targetPathSum(NegativeCode code, float[] c, int cOff, int n, float fy, float s, float lse,
            float q) {
        return ROWS.targetPathSum(code, c, cOff, n, fy, s, lse, q);
    }

    @Override
    public void chain(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy, float[] out,
            int outOff) {
        ROWS.chain(code, c, cOff, df, dfOff, n, fy, out, outOff);
    }

    @Override
    public double targetPathDot(NegativeCode code, float[] c, int cOff, float[] df, int dfOff, int n, float fy) {
        return ROWS.targetPathDot(code, c, cOff, df, dfOff, n, fy);
    }

    @Override
    public RegressionCode compile(RegressionSpec spec) {
        return REGRESSION.compile(spec);
    }

    @Override
    public RegressionCode compileAlternative(RegressionSpec spec) {
        return REGRESSION.compileAlternative(spec);
    }

    @Override
    public double regression(RegressionCode code, float[] predictions, float[] targets, int n, float weight,
            float[] grad) {
        return REGRESSION.regression(code, predictions, targets, n, weight, grad);
    }
}
