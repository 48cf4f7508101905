package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.TARGET;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sub;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;

/**
 * A transform g(c, f_y) of the non-target cosines of a row, given the margined target value f_y of the same row.
 * Most losses leave negatives alone ({@link #none()}); the support-vector family re-weights the "hard" negatives,
 * those whose cosine exceeds the margined target.
 */
public final class NegativeTransform {

    private static final NegativeTransform NONE = new NegativeTransform("none", null, Map.of());

    private final String name;
    private final Expr expression;
    private final Map<String, Double> parameters;

    NegativeTransform(String name, Expr expression, Map<String, Double> parameters) {
        this.name = name;
        this.expression = expression;
        this.parameters = parameters;
    }

    /** The identity g(c, f_y) = c. */
    public static NegativeTransform none() {
        return NONE;
    }

    /**
     * SV-Softmax (Wang et al., "Support Vector Guided Softmax Loss for Face Recognition", arXiv:1812.11317, eq. 7),
     * the SV-X-Softmax layer of the Caffe repository: g = t c + t - 1 if c &gt; f_y, else c.
     *
     * @param t the re-weighting factor, in [1, 10] (the Caffe default is 1.2)
     * @throws IllegalArgumentException if t is outside [1, 10]
     */
    public static NegativeTransform svSoftmax(double t) {
        Margins.check("t", t, 1, 10);
        Expr tt = param("t", t);
        Expr hard = sub(add(mul(tt, COSINE), tt), ONE);
        return new NegativeTransform("sv-softmax(t=" + t + ")", select(gt(COSINE, TARGET), hard, COSINE),
                Map.of("t", t));
    }

    /**
     * MV-Softmax, adaptive variant (Wang et al., "Mis-classified Vector Guided Softmax Loss for Face Recognition",
     * AAAI 2020, eq. 9 with h = exp(s t (c + 1))): g = (t + 1) c + t if c &gt; f_y, else c.
     *
     * @param t the re-weighting parameter, in [0, 10] (the paper uses 0.2)
     * @throws IllegalArgumentException if t is outside [0, 10]
     */
    public static NegativeTransform mvSoftmax(double t) {
        Margins.check("t", t, 0, 10);
        Expr tt = param("t", t);
        Expr hard = add(mul(add(tt, ONE), COSINE), tt);
        return new NegativeTransform("mv-softmax(t=" + t + ")", select(gt(COSINE, TARGET), hard, COSINE),
                Map.of("t", t));
    }

    /**
     * A negative transform of your own: g(c, f_y) written with the expression builders of
     * {@link org.marginkernels.spec.Exprs}, over {@code Exprs.COSINE}, {@code Exprs.TARGET} and the declared
     * parameters; its derivatives in c and f_y are taken symbolically and it runs fused on every backend. A
     * comparison such as c &gt; f_y is decided on float values on every backend, so ties go the same way everywhere.
     *
     * @param name a short description
     * @param g g(c, f_y); may read only the cosine, the margined target and the declared parameters. Not modified.
     * @param parameters every parameter the expression reads, with its range
     * @throws IllegalArgumentException if the expression reads another variable or an undeclared parameter, or if g
     *     or a derivative is not finite or exceeds 1e3 / 1e6 in magnitude somewhere on c, f_y in [-2, 2]
     */
    public static NegativeTransform of(String name, Expr g, LossParameter... parameters) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(g, "g");
        String what = "negative transform " + name;
        Map<String, Double> params = UserExpressions.parameters(what, g, java.util.Set.of(COSINE, TARGET),
                parameters);
        UserExpressions.bounded(what, g, true);
        return new NegativeTransform(name, g, Map.copyOf(params));
    }

    /**
     * This transform with the named parameters set to new values, the rest kept: the same expression structure, so
     * compiled code serves it without compiling (a state rule's per-step values, a schedule).
     *
     * @param values new values by parameter name; names this transform does not read are ignored. Not modified.
     */
    public NegativeTransform bind(Map<String, Double> values) {
        Map<String, Double> params = new java.util.LinkedHashMap<>(parameters);
        params.replaceAll((k, v) -> values.getOrDefault(k, v));
        return params.equals(parameters) ? this
                : new NegativeTransform(name, Exprs.bind(expression, values), Map.copyOf(params));
    }

    /** A short description with parameter values. */
    public String name() {
        return name;
    }

    /** g(c, f_y) over {@code Exprs.COSINE} and {@code Exprs.TARGET}; empty for the identity. */
    public Optional<Expr> expression() {
        return Optional.ofNullable(expression);
    }

    /** The parameters and their values, by name. */
    public Map<String, Double> parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NegativeTransform n && name.equals(n.name) && Objects.equals(expression, n.expression);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
