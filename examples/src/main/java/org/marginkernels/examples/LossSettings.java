package org.marginkernels.examples;

import java.util.List;
import org.marginkernels.AdaFace;
import org.marginkernels.CurricularFace;
import org.marginkernels.ElasticFace;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MagFace;
import org.marginkernels.Margin;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.ScalePolicy;

/**
 * The loss as chosen on the command line; NaN means "the loss's usual default".
 *
 * @param name arcface, arcface-easy, cosface, combined, sphereface, none, adacos, adacos-fixed, curricularface,
 *     adaface, magface, elasticface-arc, elasticface-cos or subcenter-arcface (K = 3)
 * @param margin m of arcface / arcface-easy / curricularface / elasticface-arc (0.5 rad), cosface /
 *     elasticface-cos (0.35), adaface (0.4) or sphereface (4, an integer); magface takes its code's defaults
 * @param m1 multiplicative angular margin of the combined loss (1.0)
 * @param m2 additive angular margin of the combined loss (0.3 rad)
 * @param m3 additive cosine margin of the combined loss (0.2)
 * @param scale the fixed scale s (ignored by the AdaCos losses)
 * @param negative none, sv or mv
 * @param t the negative transform's parameter (sv 1.2, mv 0.2)
 * @param focal the focal gamma, 0 for cross-entropy
 * @param labelSmoothing the label smoothing epsilon, 0 for none
 */
public record LossSettings(String name, double margin, double m1, double m2, double m3, double scale,
        String negative, double t, double focal, double labelSmoothing) {

    /** The accepted loss names. */
    public static final List<String> LOSSES = List.of("arcface", "arcface-easy", "cosface", "combined", "sphereface",
            "none", "adacos", "adacos-fixed", "curricularface", "adaface", "magface", "elasticface-arc",
            "elasticface-cos", "subcenter-arcface");

    /** The seed of ElasticFace's margin draws in the trainer. */
    private static final long ELASTIC_SEED = 1;

    /** The accepted negative transforms. */
    public static final List<String> NEGATIVES = List.of("none", "sv", "mv");

    /** ArcFace m = 0.5, s = 64, no negative transform, cross-entropy. */
    public static LossSettings defaults() {
        return new LossSettings("arcface", Double.NaN, Double.NaN, Double.NaN, Double.NaN, 64, "none", Double.NaN,
                0, 0);
    }

    /**
     * Builds the loss: margin, negative transform, scale policy, focal term and label smoothing.
     *
     * @throws IllegalArgumentException for an unknown name or a parameter outside its range
     */
    public MarginSoftmax build() {
        MarginSoftmax family = family();
        if (family != null) {
            if (!negative.equals("none")) {
                throw new IllegalArgumentException(name + " brings its own negatives: --negative must be none");
            }
            return focal == 0 && labelSmoothing == 0 ? family
                    : family.toBuilder().focal(focal).labelSmoothing(labelSmoothing).build();
        }
        MarginSoftmax.Builder b = MarginSoftmax.builder().margin(marginFunction()).negative(negativeTransform());
        switch (name) {
            case "adacos" -> b.scale(ScalePolicy.adaCosDynamic());
            case "adacos-fixed" -> b.scale(ScalePolicy.adaCosFixed());
            default -> b.scale(scale);
        }
        return b.focal(focal).labelSmoothing(labelSmoothing).build();
    }

    /** The losses that are more than a margin (state rules, norm terms, per-row margins), or null. */
    private MarginSoftmax family() {
        return switch (name) {
            case "curricularface" -> CurricularFace.loss(or(margin, 0.5), scale);
            case "adaface" -> AdaFace.loss(or(margin, 0.4), 0.333, 0.01, scale);
            case "magface" -> MagFace.loss(scale);
            case "elasticface-arc" -> ElasticFace.arc(or(margin, 0.5), LossCatalogue.ELASTIC_SIGMA, ELASTIC_SEED,
                    ElasticFace.Assignment.RANDOM, scale);
            case "elasticface-cos" -> ElasticFace.cos(or(margin, 0.35), LossCatalogue.ELASTIC_SIGMA, ELASTIC_SEED,
                    ElasticFace.Assignment.RANDOM, scale);
            case "subcenter-arcface" -> MarginSoftmax.builder().margin(Margins.arcFace(or(margin, 0.5)))
                    .subCenters(LossCatalogue.SUB_CENTERS).scale(scale).build();
            default -> null;
        };
    }

    private Margin marginFunction() {
        return switch (name) {
            case "arcface" -> Margins.arcFace(or(margin, 0.5));
            case "arcface-easy" -> Margins.arcFaceEasy(or(margin, 0.5));
            case "cosface" -> Margins.cosFace(or(margin, 0.35));
            case "combined" -> Margins.combined(or(m1, 1.0), or(m2, 0.3), or(m3, 0.2));
            case "sphereface" -> Margins.sphereFace(sphereMultiplier());
            case "none", "adacos", "adacos-fixed" -> Margins.none();
            default -> throw new IllegalArgumentException("loss must be one of " + LOSSES + ", got '" + name + "'");
        };
    }

    private int sphereMultiplier() {
        double m = or(margin, 4);
        if (m != Math.rint(m)) {
            throw new IllegalArgumentException("sphereface needs an integer margin m in [1, 8], got " + m);
        }
        return (int) m;
    }

    private NegativeTransform negativeTransform() {
        return switch (negative) {
            case "none" -> NegativeTransform.none();
            case "sv" -> NegativeTransform.svSoftmax(or(t, 1.2));
            case "mv" -> NegativeTransform.mvSoftmax(or(t, 0.2));
            default -> throw new IllegalArgumentException("negative must be one of " + NEGATIVES + ", got '"
                    + negative + "'");
        };
    }

    private static double or(double value, double fallback) {
        return Double.isNaN(value) ? fallback : value;
    }
}
