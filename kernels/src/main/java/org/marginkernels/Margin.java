package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;

import java.util.Map;
import java.util.Objects;
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

    Margin(String name, Expr target, Map<String, Double> parameters) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        this.parameters = Map.copyOf(parameters);
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
        return new Margin(name + "+straight-through", Exprs.straightThrough(target, COSINE), parameters);
    }

    @Override
    public String toString() {
        return name;
    }
}
