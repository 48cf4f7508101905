package org.marginkernels;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.marginkernels.spec.Expr;
import org.marginkernels.spec.Exprs;
import org.marginkernels.spec.KernelSpec;

/**
 * A margin-based softmax cross-entropy loss: L = reduce_i F(log softmax_j(z_ij)[y_i]) with z_iy = s f(c_iy) and
 * z_ij = s g(c_ij, f(c_iy)) for j != y_i, where c_ij is the cosine between the raw feature x_i and class weight w_j.
 * Immutable and thread-safe; compiled once on {@link Builder#build()} into a {@link KernelSpec}.
 *
 * <pre>{@code
 * MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
 * }</pre>
 */
public final class MarginSoftmax {

    /** The default ignore label: rows labelled -1 contribute nothing. */
    public static final int DEFAULT_IGNORE_LABEL = -1;

    private final Margin margin;
    private final NegativeTransform negative;
    private final ScalePolicy scalePolicy;
    private final double focalGamma;
    private final double labelSmoothing;
    private final int ignoreLabel;
    private final Reduction reduction;
    private final StateRule stateRule;
    private final Expr regularizer;
    private final String regularizerName;
    private final int subCenters;
    private final KernelSpec spec;
    // per-row margins m_i bound for one step (Backend.step), null when none
    private final double[] rowMargins;
    // per-sample weights bound for one batch, null when none
    private final double[] sampleWeights;

    private MarginSoftmax(Builder b, KernelSpec spec) {
        this(b, spec, null, null);
    }

    private MarginSoftmax(Builder b, KernelSpec spec, double[] rowMargins, double[] sampleWeights) {
        this.margin = b.margin;
        this.negative = b.negative;
        this.scalePolicy = b.scalePolicy;
        this.focalGamma = b.focalGamma;
        this.labelSmoothing = b.labelSmoothing;
        this.ignoreLabel = b.ignoreLabel;
        this.reduction = b.reduction;
        this.stateRule = b.stateRule;
        this.regularizer = b.regularizer;
        this.regularizerName = b.regularizerName;
        this.subCenters = b.subCenters;
        this.spec = spec;
        this.rowMargins = rowMargins;
        this.sampleWeights = sampleWeights;
    }

    /** A builder with no margin, scale 64, no negative transform, cross-entropy, ignore label -1, mean reduction. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this loss's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.margin = margin;
        b.negative = negative;
        b.scalePolicy = scalePolicy;
        b.focalGamma = focalGamma;
        b.labelSmoothing = labelSmoothing;
        b.ignoreLabel = ignoreLabel;
        b.reduction = reduction;
        b.stateRule = stateRule;
        b.regularizer = regularizer;
        b.regularizerName = regularizerName;
        b.subCenters = subCenters;
        return b;
    }

    /** True when the loss keeps a {@link LossState} between steps (a state rule, or dynamic AdaCos). */
    public boolean hasState() {
        return !rules().isEmpty();
    }

    /** The state rules in the order they run: the loss's own, then dynamic AdaCos's. */
    private List<StateRule> rules() {
        List<StateRule> rules = new ArrayList<>(2);
        if (stateRule != null) {
            rules.add(stateRule);
        }
        if (scalePolicy instanceof ScalePolicy.AdaCosDynamic d) {
            rules.add(new AdaCosState(d.previousScale()));
        }
        return rules;
    }

    /** The state a step with this batch uses: every rule's {@link StateRule#beforeStep}, in order. */
    LossState beforeStep(LossState previous, BatchStatistics batch) {
        LossState state = previous;
        for (StateRule rule : rules()) {
            state = rule.beforeStep(state, batch);
        }
        return state;
    }

    /**
     * The per-row margins m_i of this step, one per batch row (0 on ignored rows), from the rules'
     * {@link StateRule#rowMargins}; null when no rule supplies them.
     */
    double[] rowMargins(LossState state, BatchStatistics batch, int[] labels) {
        double[] perRow = null;
        for (StateRule rule : rules()) {
            double[] m = rule.rowMargins(state, batch);
            if (m == null) {
                continue;
            }
            if (m.length != batch.rows()) {
                throw new IllegalStateException("state rule " + rule + " gave " + m.length + " row margins for "
                        + batch.rows() + " counted rows");
            }
            perRow = new double[labels.length];
            for (int i = 0, n = 0; i < labels.length; i++) {
                double mi = labels[i] == ignoreLabel ? 0 : m[n++];
                // the range Margin.of checks a margin over: beyond it f or f' could leave the float range
                if (!(Math.abs(mi) <= 4)) {
                    throw new IllegalStateException("state rule " + rule + " gave row margin " + mi + " for row " + i
                            + ", outside [-4, 4]");
                }
                perRow[i] = mi;
            }
        }
        return perRow;
    }

    /** This loss with per-row margins bound for one step (null: unchanged); the same spec, nothing compiles. */
    MarginSoftmax withRowMargins(double[] perRow) {
        return perRow == null ? this : new MarginSoftmax(toBuilder(), spec, perRow, sampleWeights);
    }

    /**
     * This loss for one batch with the per-row margins m_i given explicitly: the values its target reads as
     * {@link Exprs#ROW_MARGIN} (for ElasticFace the deviation m_i - m). A state rule's margins, where the loss has
     * one and runs through {@link Backend#step}, take their place. The same spec: nothing compiles.
     *
     * @param perRow one value per row of the batch, finite, in [-4, 4] (the range {@link Margin#of} checks a
     *     margin over). Not modified.
     * @throws IllegalArgumentException if a value is out of range; the count is checked against the batch
     */
    public MarginSoftmax withRowMargins(float[] perRow) {
        Objects.requireNonNull(perRow, "perRow");
        double[] copy = new double[perRow.length];
        for (int i = 0; i < perRow.length; i++) {
            if (!(Math.abs(perRow[i]) <= 4)) {
                throw new IllegalArgumentException("rowMargins[" + i + "] must be in [-4, 4], got " + perRow[i]);
            }
            copy[i] = perRow[i];
        }
        return new MarginSoftmax(toBuilder(), spec, copy, sampleWeights);
    }

    /** How many rows the bound row margins cover, or -1 when there are none. */
    public int rowMarginRows() {
        return rowMargins == null ? -1 : rowMargins.length;
    }

    /** The most sub-centers per class {@link Builder#subCenters} accepts (the paper uses 3 to 10). */
    public static final int MAX_SUB_CENTERS = 64;

    /** The largest sample weight: with it every gradient stays many orders inside the float range. */
    public static final double MAX_SAMPLE_WEIGHT = 1e6;

    /**
     * This loss for one batch whose rows' losses (and gradients) are weighted: the reduced loss is
     * sum_i w_i F_i / N for the mean over N counted rows, sum_i w_i F_i for the sum and none. The same spec: nothing
     * compiles.
     *
     * @param weights one weight per row of the batch, finite, in [0, {@link #MAX_SAMPLE_WEIGHT}]. Not modified.
     * @throws IllegalArgumentException if a weight is out of range; the length is checked against the batch by
     *     the backend's methods
     */
    public MarginSoftmax withSampleWeights(float[] weights) {
        Objects.requireNonNull(weights, "weights");
        double[] copy = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            if (!(weights[i] >= 0 && weights[i] <= MAX_SAMPLE_WEIGHT)) {
                throw new IllegalArgumentException("sampleWeights[" + i + "] must be in [0, " + MAX_SAMPLE_WEIGHT
                        + "], got " + weights[i]);
            }
            copy[i] = weights[i];
        }
        return new MarginSoftmax(toBuilder(), spec, rowMargins, copy);
    }

    /** How many rows the bound sample weights cover, or -1 when there are none. */
    public int sampleWeightRows() {
        return sampleWeights == null ? -1 : sampleWeights.length;
    }

    /**
     * The weight of row {@code row}'s loss in the reduced loss: 1/N for the mean over N counted rows (1 for the sum
     * and none), times the row's sample weight.
     */
    public double rowWeight(int row, int counted) {
        double reduce = reduction == Reduction.MEAN && counted > 0 ? 1.0 / counted : 1.0;
        return sampleWeights == null ? reduce : reduce * sampleWeights[row];
    }

    /** True when per-row margins are bound to this loss (for one step). */
    public boolean hasRowMargins() {
        return rowMargins != null;
    }

    /** The margin m_i of row {@code row} bound for this step, 0 when none is (see {@link Exprs#ROW_MARGIN}). */
    public double rowMargin(int row) {
        return rowMargins == null ? 0 : rowMargins[row];
    }

    /**
     * One step of a stateful loss around a pass that computes it: the state this batch uses (every rule's
     * {@link StateRule#beforeStep}, in order), the pass run on this loss with that state bound ({@link #bind}) and
     * the rules' per-row margins of {@code batch}, then the state the next step starts from (every rule's
     * {@link StateRule#afterStep}). What {@link Backend#step} does, public for a backend whose weights live
     * elsewhere (a GPU's resident weights).
     *
     * @param state the previous step's state. Not modified.
     * @param batch the batch statistics of this step's rows. Not modified.
     * @param labels class per row or the ignore label. Not modified.
     * @param pass runs the loss it is given on this step's problem
     */
    public StepResult step(LossState state, BatchStatistics batch, int[] labels,
            Function<MarginSoftmax, LossResult> pass) {
        LossState used = beforeStep(state, batch);
        LossResult result = pass.apply(bind(used).withRowMargins(rowMargins(used, batch, labels)));
        return new StepResult(result, afterStep(used, result));
    }

    /** The state the next step starts from: every rule's {@link StateRule#afterStep}, in order. */
    LossState afterStep(LossState used, LossResult result) {
        LossState state = used;
        for (StateRule rule : rules()) {
            state = rule.afterStep(state, result);
        }
        return state;
    }

    /**
     * This loss with the parameters that {@code state} sets bound into its expressions (and, for dynamic AdaCos, the
     * previous scale): the same expression structure, so compiled code serves it without compiling. Itself for a
     * stateless loss.
     *
     * @param state a state this loss's rules produced. Not modified.
     */
    public MarginSoftmax bind(LossState state) {
        Objects.requireNonNull(state, "state");
        List<StateRule> rules = rules();
        if (rules.isEmpty()) {
            return this;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (StateRule rule : rules) {
            values.putAll(rule.parameters(state));
        }
        Builder b = toBuilder();
        b.margin = margin.bind(values);
        b.negative = negative.bind(values);
        b.regularizer = Exprs.bind(regularizer, values);
        Double previousScale = values.get(AdaCosState.PREVIOUS_SCALE);
        if (previousScale != null && scalePolicy instanceof ScalePolicy.AdaCosDynamic) {
            b.scalePolicy = new ScalePolicy.AdaCosDynamic(previousScale);
        }
        MarginSoftmax bound = b.build();
        return new MarginSoftmax(b, bound.spec, rowMargins, sampleWeights);
    }

    /** The scale this step uses when it does not depend on the batch; empty for dynamic AdaCos. */
    public OptionalDouble fixedScale(int classes) {
        return switch (scalePolicy) {
            case ScalePolicy.Fixed f -> OptionalDouble.of(f.scale());
            case ScalePolicy.AdaCosFixed a -> OptionalDouble.of(ScalePolicy.adaCosFixedScale(classes));
            case ScalePolicy.AdaCosDynamic d -> OptionalDouble.empty();
        };
    }

    /**
     * For dynamic AdaCos, the scale s_prev that B_avg is evaluated with: the policy's, or the fixed AdaCos scale.
     *
     * @throws IllegalStateException for every other policy
     */
    public double adaCosPreviousScale(int classes) {
        if (scalePolicy instanceof ScalePolicy.AdaCosDynamic d) {
            return d.previousScale().orElse(ScalePolicy.adaCosFixedScale(classes));
        }
        throw new IllegalStateException("the scale policy " + scalePolicy + " is not dynamic AdaCos");
    }

    public Margin margin() {
        return margin;
    }

    public NegativeTransform negative() {
        return negative;
    }

    public ScalePolicy scalePolicy() {
        return scalePolicy;
    }

    /** The focal exponent gamma; 0 is plain cross-entropy. */
    public double focalGamma() {
        return focalGamma;
    }

    /**
     * The label smoothing epsilon, as torch's {@code cross_entropy(label_smoothing=epsilon)}: the target
     * distribution is (1 - epsilon) one-hot + epsilon / C uniform over all C classes; 0 is none.
     */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    public int ignoreLabel() {
        return ignoreLabel;
    }

    public Reduction reduction() {
        return reduction;
    }

    /**
     * K, the sub-centers per class (Sub-center ArcFace, Deng et al., ECCV 2020): the weights hold classes x K rows,
     * class c's sub-centers at rows c K .. c K + K - 1, and the class cosine is the largest of its sub-centers'
     * cosines. 1 (the default) is one weight row per class.
     */
    public int subCenters() {
        return subCenters;
    }

    /** The compiled kernel spec that backends execute. */
    public KernelSpec spec() {
        return spec;
    }

    @Override
    public String toString() {
        return "MarginSoftmax[" + margin + ", negative=" + negative
                + (stateRule == null ? "" : ", state=" + stateRule)
                + (regularizerName == null ? "" : ", regularizer=" + regularizerName)
                + (subCenters == 1 ? "" : ", subCenters=" + subCenters) + ", scale=" + scalePolicy
                + (focalGamma == 0 ? "" : ", focal gamma=" + focalGamma)
                + (labelSmoothing == 0 ? "" : ", label smoothing=" + labelSmoothing) + ", ignore=" + ignoreLabel + ", "
                + reduction + "]";
    }

    /** Builds a {@link MarginSoftmax}; every setter checks its argument at once. */
    public static final class Builder {
        private StateRule stateRule;
        private Expr regularizer = Exprs.ZERO;
        private String regularizerName;
        private Margin margin = Margins.none();
        private NegativeTransform negative = NegativeTransform.none();
        private ScalePolicy scalePolicy = new ScalePolicy.Fixed(64);
        private double focalGamma;
        private double labelSmoothing;
        private int ignoreLabel = DEFAULT_IGNORE_LABEL;
        private Reduction reduction = Reduction.MEAN;
        private int subCenters = 1;

        private Builder() {
        }

        /** The target transform (see {@link Margins}). */
        public Builder margin(Margin margin) {
            this.margin = Objects.requireNonNull(margin, "margin");
            return this;
        }

        /** A fixed scale s. @throws IllegalArgumentException unless s is finite and &gt; 0 */
        public Builder scale(double s) {
            this.scalePolicy = new ScalePolicy.Fixed(s);
            return this;
        }

        /** The scale policy: fixed, or AdaCos fixed / dynamic. */
        public Builder scale(ScalePolicy policy) {
            this.scalePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The non-target transform (SV-Softmax, MV-Softmax); identity by default. */
        public Builder negative(NegativeTransform negative) {
            this.negative = Objects.requireNonNull(negative, "negative");
            return this;
        }

        /**
         * Focal loss on top of the margin: -(1 - p)^gamma log p.
         *
         * @throws IllegalArgumentException unless gamma is in [0, 10]
         */
        public Builder focal(double gamma) {
            Margins.check("gamma", gamma, 0, 10);
            this.focalGamma = gamma;
            return this;
        }

        /**
         * Label smoothing on the margined logits, as torch's {@code cross_entropy(label_smoothing=epsilon)}
         * (Szegedy et al., "Rethinking the Inception Architecture", CVPR 2016, section 7): each row's loss is
         * -(1 - epsilon) log p_y - (epsilon / C) sum_j log p_j over all C classes, the target's margined logit
         * included. Applies to cross-entropy only: {@link #build()} refuses it with {@link #focal}.
         *
         * @throws IllegalArgumentException unless epsilon is in [0, 1]
         */
        public Builder labelSmoothing(double epsilon) {
            Margins.check("epsilon", epsilon, 0, 1);
            this.labelSmoothing = epsilon;
            return this;
        }

        /** Rows with this label contribute nothing (default -1). Must be negative so it can never be a class. */
        public Builder ignoreLabel(int label) {
            if (label >= 0) {
                throw new IllegalArgumentException("ignoreLabel must be negative so it is never a class, got " + label);
            }
            this.ignoreLabel = label;
            return this;
        }

        /** Mean (default) or sum over non-ignored rows. */
        public Builder reduction(Reduction reduction) {
            this.reduction = Objects.requireNonNull(reduction, "reduction");
            return this;
        }

        /**
         * The rule that keeps this loss's running statistics in a {@link LossState} and sets parameters of its
         * expressions from it each step (see {@link Backend#step}); none by default. Dynamic AdaCos brings its own
         * rule, which runs after this one.
         */
        public Builder state(StateRule rule) {
            this.stateRule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * A regularizer R(|x_i|) added to each counted row's loss, reduced like it: MagFace's lambda_g g(a_i)
         * (Meng et al., CVPR 2021, eq. 5). Written with the expression builders over {@link Exprs#FEATURE_NORM} and
         * declared parameters; its gradient flows along x^_i on every backend.
         *
         * @param name a short description, such as {@code magface-g(lambda=35)}
         * @param r R(|x|); may read only the feature norm and the declared parameters. Not modified.
         * @throws IllegalArgumentException if r reads anything else, or its value or slope is not finite and within
         *     1e3 / 1e6 for every norm in [1e-15, 2^126] (clamp the norm first, as MagFace does)
         */
        public Builder normRegularizer(String name, Expr r, LossParameter... parameters) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(r, "r");
            String what = "regularizer " + name;
            UserExpressions.parameters(what, r, java.util.Set.of(Exprs.FEATURE_NORM), parameters);
            UserExpressions.bounded(what, r, false);
            this.regularizer = r;
            this.regularizerName = name;
            return this;
        }

        /**
         * K sub-centers per class (Sub-center ArcFace, Deng et al., ECCV 2020, Sec. 3.1; insightface
         * recognition/subcenter_arcface/train_parall.py): the weights hold classes x K rows, class c's at rows
         * c K .. c K + K - 1, and c_ic = max_k x^_i . w^_(c K + k), so the gradient of each class reaches only its
         * nearest sub-center (ties: the lowest k). 1 (the default) is the plain loss.
         *
         * @throws IllegalArgumentException unless k is in [1, {@value #MAX_SUB_CENTERS}]
         */
        public Builder subCenters(int k) {
            if (k < 1 || k > MAX_SUB_CENTERS) {
                throw new IllegalArgumentException("subCenters must be in [1, " + MAX_SUB_CENTERS + "], got " + k);
            }
            this.subCenters = k;
            return this;
        }

        /**
         * Compiles the loss.
         *
         * @throws IllegalArgumentException if label smoothing is set together with a focal exponent
         */
        public MarginSoftmax build() {
            if (labelSmoothing != 0 && focalGamma != 0) {
                throw new IllegalArgumentException("labelSmoothing (" + labelSmoothing + ") applies to cross-entropy "
                        + "only; focal gamma must be 0, got " + focalGamma);
            }
            KernelSpec spec = new KernelSpec(margin.target(), margin.constantNorm(),
                    negative.expression().orElse(null),
                    focalGamma == 0 ? RowLosses.crossEntropy() : RowLosses.focal(focalGamma), regularizer);
            return new MarginSoftmax(this, spec);
        }
    }
}
