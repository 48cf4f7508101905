package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;

/**
 * A target transform f(c): what the margin does to the cosine between a feature and its own class weight. The
 * expression is the only definition of the margin; its derivative is taken symbolically. Build one with
 * {@link Margins}.
 */
public final class Margin {

    private final String name;
    private final Expr target;
    private final Map<String, Double> parameters;
    private final boolean constantNorm;
    private final OptionalDouble branchThreshold;

    Margin(String name, Expr target, Map<String, Double> parameters) {
        this(name, target, parameters, false, OptionalDouble.empty());
    }

    private Margin(String name, Expr target, Map<String, Double> parameters, boolean constantNorm,
            OptionalDouble branchThreshold) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        this.parameters = Map.copyOf(parameters);
        this.constantNorm = constantNorm;
        this.branchThreshold = branchThreshold;
    }

    /** This margin, leaving its main branch for target cosines at or below {@code threshold}. */
    Margin withBranchThreshold(double threshold) {
        return new Margin(name, target, parameters, constantNorm, OptionalDouble.of(threshold));
    }

    /**
     * The target cosine at or below which this margin leaves its main branch, for the diagnostics: ArcFace's
     * fallback below cos(pi - m), or, for a margin without a fallback (combined, ElasticFace), where cos(theta + m)
     * passes pi and turns back up, so pushing the target further away raises its logit. Empty for the others.
     */
    public OptionalDouble branchThreshold() {
        return branchThreshold;
    }

    /**
     * A margin of your own: the target transform f(c) written with the expression builders of
     * {@link org.marginkernels.spec.Exprs}, over {@link Exprs#COSINE} and the declared parameters. Its derivative is
     * taken symbolically, and it runs fused on every backend like a built-in margin. For example, ArcFace without its
     * fallback branch:
     * <pre>{@code
     * LossParameter m = new LossParameter("m", 0.5, 0, Math.PI / 2);
     * Expr c = Exprs.clamp(Exprs.COSINE, Exprs.constant(-1 + 1e-7), Exprs.constant(1 - 1e-7));
     * Margin mine = Margin.of("my-arcface", Exprs.cos(Exprs.add(Exprs.acos(c), m.expr())), m);
     * }</pre>
     *
     * @param name a short description, such as {@code my-arcface(m=0.5)}
     * @param target f(c), or f(c, |x|, m_i); may read only {@link Exprs#COSINE}, {@link Exprs#FEATURE_NORM},
     *     {@link Exprs#ROW_MARGIN} and the declared parameters. Not modified.
     * @param parameters every parameter the expression reads, with its range
     * @throws IllegalArgumentException if the expression reads another variable or an undeclared parameter, or if
     *     f or a derivative is not finite or exceeds 1e3 / 1e6 in magnitude somewhere on c in [-2, 2] (the cosines
     *     the backends accept) and, if it reads them, on norms from 1e-15 to 2^126 and m_i in [-4, 4]: that bound
     *     (and a state rule's row margins within [-4, 4]) is what keeps
     *     every accepted input finite on every backend
     */
    public static Margin of(String name, Expr target, LossParameter... parameters) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(target, "target");
        String what = "margin " + name;
        Map<String, Double> params = UserExpressions.parameters(what, target,
                java.util.Set.of(COSINE, Exprs.FEATURE_NORM, Exprs.ROW_MARGIN), parameters);
        UserExpressions.bounded(what, target, false);
        return new Margin(name, target, params);
    }

    /**
     * This margin with the named parameters set to new values, the rest kept: the same expression structure, so
     * compiled code serves it without compiling (a margin warm-up, a state rule's per-step values).
     *
     * @param values new values by parameter name; names this margin does not read are ignored. Not modified.
     */
    public Margin bind(Map<String, Double> values) {
        Map<String, Double> params = new java.util.LinkedHashMap<>(parameters);
        params.replaceAll((k, v) -> values.getOrDefault(k, v));
        return params.equals(parameters) ? this
                : new Margin(name, Exprs.bind(target, values), params, constantNorm, branchThreshold);
    }

    /**
     * The same margin with the feature norm a constant for the backward pass: its value enters f(c, |x|), but no
     * gradient flows through it (AdaFace computes its norm-dependent margin under {@code torch.no_grad()}).
     */
    public Margin withConstantNorm() {
        return new Margin(name, target, parameters, true, branchThreshold);
    }

    /** True when the feature norm is a constant for the backward pass (see {@link #withConstantNorm()}). */
    public boolean constantNorm() {
        return constantNorm;
    }

    /** A short description with parameter values, such as {@code arcface(m=0.5)}. */
    public String name() {
        return name;
    }

    /** The target transform f(c) as an expression of {@link Exprs#COSINE}. */
    public Expr target() {
        return target;
    }

    /** The parameters and their values, by name. */
    public Map<String, Double> parameters() {
        return parameters;
    }

    /**
     * The same forward value with the straight-through gradient df/dc = 1: the margin shifts the target logit but
     * the backward pass treats it as the identity, as insightface's arcface_torch does (the margin is applied under
     * {@code torch.no_grad()}).
     */
    public Margin straightThrough() {
        return new Margin(name + "+straight-through", Exprs.straightThrough(target, COSINE), parameters,
                constantNorm, branchThreshold);
    }

    @Override
    public String toString() {
        return name;
    }
}
