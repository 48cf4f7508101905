package org.marginkernels.spec;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.FEATURE_NORM;
import static org.marginkernels.spec.Exprs.ROW_MARGIN;
import static org.marginkernels.spec.Exprs.LOG_PROB;
import static org.marginkernels.spec.Exprs.TARGET;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A loss compiled once: its three expressions (target transform f(c), optional negative transform g(c, f_y), row
 * loss F(log p_y)), their symbolic derivatives, and double-precision evaluators of all of them. Backends compile
 * from here; nothing downstream writes a derivative by hand.
 */
public final class KernelSpec {

    private final Expr target;
    private final Expr targetGradient;
    private final Expr targetNormGradient;
    private final boolean readsNorm;
    private final boolean readsRowMargin;
    private final Expr negative;
    private final Expr negativeGradient;
    private final Expr negativeTargetGradient;
    private final Expr rowLoss;
    private final Expr rowLossGradient;
    private final Expr regularizer;
    private final ScalarFunction regularizerFn;
    private final ScalarFunction regularizerGradientFn;
    private final ArgumentSlots negativeArguments;
    private final Optional<RowHoisting> rowHoisting;

    private final ScalarFunction targetFn;
    private final ScalarFunction targetGradientFn;
    private final ScalarFunction targetNormGradientFn;
    private final ScalarFunction negativeFn;
    private final ScalarFunction negativeGradientFn;
    private final ScalarFunction negativeTargetGradientFn;
    private final ScalarFunction rowLossFn;
    private final ScalarFunction rowLossGradientFn;

    /**
     * Compiles a loss whose gradient flows through every input of its target transform.
     *
     * @see #KernelSpec(Expr, boolean, Expr, Expr)
     */
    public KernelSpec(Expr target, Expr negative, Expr rowLoss) {
        this(target, false, negative, rowLoss, Exprs.ZERO);
    }

    /**
     * Compiles a loss.
     *
     * @param target f(c) over {@link Exprs#COSINE}, or f(c, |x|) over it and {@link Exprs#FEATURE_NORM}
     * @param constantNorm true when the feature norm is a constant for the backward pass (AdaFace detaches it): then
     *     df/d|x| is zero and no gradient flows along x^_i through the margin
     * @param negative g(c, f_y) over {@link Exprs#COSINE} and {@link Exprs#TARGET}, or null for the identity
     * @param rowLoss F(lp) over {@link Exprs#LOG_PROB}: the loss of one row given log p_y
     * @param regularizer R(|x|) over {@link Exprs#FEATURE_NORM}, added to each counted row's loss (MagFace's
     *     lambda_g g(a)); {@link Exprs#ZERO} for none. Its gradient flows along x^_i.
     */
    public KernelSpec(Expr target, boolean constantNorm, Expr negative, Expr rowLoss, Expr regularizer) {
        this.target = Simplifier.simplify(Objects.requireNonNull(target, "target"));
        this.targetGradient = Derivative.of(target, COSINE);
        this.readsNorm = Simplifier.reads(this.target, FEATURE_NORM);
        this.readsRowMargin = Simplifier.reads(this.target, ROW_MARGIN);
        this.targetNormGradient = constantNorm || !readsNorm ? Exprs.ZERO : Derivative.of(target, FEATURE_NORM);
        this.negative = negative == null ? null : Simplifier.simplify(negative);
        if (this.negative != null && Simplifier.reads(this.negative, ROW_MARGIN)) {
            throw new IllegalArgumentException("a negative transform reads c and f_y only, not the row margin");
        }
        this.negativeGradient = negative == null ? null : Derivative.of(negative, COSINE);
        this.negativeTargetGradient = negative == null ? null : Derivative.of(negative, TARGET);
        this.rowLoss = Simplifier.simplify(Objects.requireNonNull(rowLoss, "rowLoss"));
        this.rowLossGradient = Derivative.of(rowLoss, LOG_PROB);
        this.regularizer = Simplifier.simplify(Objects.requireNonNull(regularizer, "regularizer"));
        this.regularizerFn = ScalarEvaluator.compile(this.regularizer);
        this.regularizerGradientFn = ScalarEvaluator.compile(Derivative.of(this.regularizer, FEATURE_NORM));
        this.negativeArguments = ArgumentSlots.lift(List.of(negative().orElse(Exprs.COSINE),
                negativeGradient().orElse(Exprs.ONE), negativeTargetGradient().orElse(Exprs.ZERO)));
        this.rowHoisting = this.negative == null ? Optional.empty() : RowHoisting.of(this.negative);
        this.targetFn = ScalarEvaluator.compile(this.target);
        this.targetGradientFn = ScalarEvaluator.compile(targetGradient);
        this.targetNormGradientFn = ScalarEvaluator.compile(targetNormGradient);
        this.negativeFn = negative == null ? null : ScalarEvaluator.compile(this.negative);
        this.negativeGradientFn = negative == null ? null : ScalarEvaluator.compile(negativeGradient);
        this.negativeTargetGradientFn = negative == null ? null : ScalarEvaluator.compile(negativeTargetGradient);
        this.rowLossFn = ScalarEvaluator.compile(this.rowLoss);
        this.rowLossGradientFn = ScalarEvaluator.compile(rowLossGradient);
    }

    /** f(c). */
    public Expr target() {
        return target;
    }

    /** df/dc. */
    public Expr targetGradient() {
        return targetGradient;
    }

    /** g(c, f_y), empty when negatives are left alone. */
    public Optional<Expr> negative() {
        return Optional.ofNullable(negative);
    }

    /** dg/dc, empty when negatives are left alone. */
    public Optional<Expr> negativeGradient() {
        return Optional.ofNullable(negativeGradient);
    }

    /** dg/df_y (zero almost everywhere for the SV family, kept for generality), empty for the identity. */
    public Optional<Expr> negativeTargetGradient() {
        return Optional.ofNullable(negativeTargetGradient);
    }

    /** True when dg/df_y is identically zero after simplification, so backends may skip accumulating it. */
    public boolean negativeIgnoresTarget() {
        return negativeTargetGradient == null
                || (negativeTargetGradient instanceof Expr.Const c && c.value() == 0);
    }

    /**
     * What backends compile of this loss: the structure of g(c, f_y), dg/dc and dg/df_y (c, 1 and 0 without a
     * negative transform), in that order, with the parameter subtrees lifted into argument slots. Equal for every
     * parameter value of the same loss, so it is the key of compiled code; {@link ArgumentSlots#values()} are the
     * arguments of one call.
     */
    public ArgumentSlots negativeArguments() {
        return negativeArguments;
    }

    /** F(lp): the loss of a row given the log-probability of its target. */
    public Expr rowLoss() {
        return rowLoss;
    }

    /** dF/dlp. */
    public Expr rowLossGradient() {
        return rowLossGradient;
    }

    /** df/d|x|: zero when the target does not read the feature norm or treats it as a constant. */
    public Expr targetNormGradient() {
        return targetNormGradient;
    }

    /**
     * True when the loss reads the feature norm |x_i| (its target transform or a regularizer), so it needs the rows,
     * not cosines alone.
     */
    public boolean readsNorm() {
        return readsNorm || hasRegularizer();
    }

    /** True when the target transform reads a per-row margin m_i ({@link Exprs#ROW_MARGIN}). */
    public boolean readsRowMargin() {
        return readsRowMargin;
    }

    /**
     * True when gradient flows through the feature norm: dL/dx_i gets dL/df_iy df/d|x| + w dR/d|x| along x^_i.
     */
    public boolean hasNormPath() {
        return !(targetNormGradient instanceof Expr.Const k && k.value() == 0) || hasRegularizer();
    }

    /** True when a regularizer R(|x|) is added to each row's loss. */
    public boolean hasRegularizer() {
        return !(regularizer instanceof Expr.Const k && k.value() == 0);
    }

    /** R(|x|), the regularizer added to each counted row's loss; zero for none. */
    public Expr regularizer() {
        return regularizer;
    }

    /** Evaluates R(|x|) in double. */
    public double regularizer(double norm) {
        return regularizerFn.apply(0, norm);
    }

    /** Evaluates dR/d|x| in double. */
    public double regularizerGradient(double norm) {
        return regularizerGradientFn.apply(0, norm);
    }

    /**
     * Evaluates f(c) in double.
     *
     * @throws IllegalStateException if the target reads the feature norm: use {@link #target(double, double)}
     */
    public double target(double c) {
        return targetFn.apply(c, cosineOnly());
    }

    /** Evaluates df/dc in double; see {@link #target(double)}. */
    public double targetGradient(double c) {
        return targetGradientFn.apply(c, cosineOnly());
    }

    /** Evaluates f(c, |x|, m_i) in double for a row of feature norm {@code norm} and row margin {@code rowMargin}. */
    public double target(double c, double norm, double rowMargin) {
        return targetFn.apply(c, norm, rowMargin);
    }

    /** Evaluates df/dc in double for a row of feature norm {@code norm} and row margin {@code rowMargin}. */
    public double targetGradient(double c, double norm, double rowMargin) {
        return targetGradientFn.apply(c, norm, rowMargin);
    }

    /** Evaluates df/d|x| in double (zero without a norm path). */
    public double targetNormGradient(double c, double norm, double rowMargin) {
        return targetNormGradientFn.apply(c, norm, rowMargin);
    }

    private double cosineOnly() {
        if (readsNorm) {
            throw new IllegalStateException("this target reads the feature norm |x_i|: evaluate it with the norm");
        }
        return 0;
    }

    /**
     * The negative transform split into a per-row value H(f_y) and a per-element rest, for code that computes the
     * per-row value once (see {@link RowHoisting}); empty when the transform has no such part.
     */
    public Optional<RowHoisting> rowHoisting() {
        return rowHoisting;
    }

    /** True when a negative transform is present. */
    public boolean hasNegative() {
        return negative != null;
    }

    /** Evaluates g(c, f_y) in double; c itself when there is no negative transform. */
    public double negative(double c, double fy) {
        return negativeFn == null ? c : negativeFn.apply(c, fy);
    }

    /** Evaluates dg/dc in double; 1 when there is no negative transform. */
    public double negativeGradient(double c, double fy) {
        return negativeGradientFn == null ? 1 : negativeGradientFn.apply(c, fy);
    }

    /** Evaluates dg/df_y in double; 0 when there is no negative transform. */
    public double negativeTargetGradient(double c, double fy) {
        return negativeTargetGradientFn == null ? 0 : negativeTargetGradientFn.apply(c, fy);
    }

    /** Evaluates F(lp) in double. */
    public double rowLoss(double logProb) {
        return rowLossFn.apply(logProb, 0);
    }

    /** Evaluates dF/dlp in double. */
    public double rowLossGradient(double logProb) {
        return rowLossGradientFn.apply(logProb, 0);
    }
}
