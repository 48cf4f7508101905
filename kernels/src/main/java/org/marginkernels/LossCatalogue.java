package org.marginkernels;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one catalogue of named losses, with the parameter values their papers use: every test suite (reference, cpu,
 * opencl, cuda), the golden files of printed kernels, the GPU cross-check tool and command-line tools that take a
 * loss by name walk this list. Names are file-safe ({@code arcface}, {@code sv-softmax}, ...).
 */
public final class LossCatalogue {

    /** The seed of the catalogue's ElasticFace margin draws. */
    public static final long ELASTIC_SEED = 7;
    /** The catalogue's ElasticFace sigma: the paper's 0.05, so the per-row margins differ visibly. */
    public static final double ELASTIC_SIGMA = 0.05;

    /** The catalogue's Sub-center ArcFace K: the paper's 3 (Deng et al., ECCV 2020, Table 1). */
    public static final int SUB_CENTERS = 3;

    private LossCatalogue() {
    }

    /** Every catalogue loss at the usual scale (64, or AdaCos), in a fixed order. Unmodifiable. */
    public static Map<String, MarginSoftmax> all() {
        return withScale(64);
    }

    /**
     * Every catalogue regression loss, in a fixed order: Wing with the paper's w = 10, epsilon = 2; a narrow Wing
     * (w = 0.5, epsilon = 0.05, the sum) for residuals of normalized coordinates; Adaptive Wing with the paper's
     * parameters. Cross-backend properties, the torch oracle and the golden files walk it. Unmodifiable.
     */
    public static Map<String, RegressionLoss> regressions() {
        Map<String, RegressionLoss> m = new LinkedHashMap<>();
        m.put("wing", WingLoss.defaults());
        m.put("wing-narrow", WingLoss.builder().width(0.5).curvature(0.05).reduction(Reduction.SUM).build());
        m.put("adaptive-wing", AdaptiveWingLoss.defaults());
        return Collections.unmodifiableMap(m);
    }

    /**
     * Every catalogue loss with the fixed-scale entries at scale {@code s} (AdaCos entries keep their own policy).
     *
     * @param s the scale, in (0, {@link ScalePolicy#MAX_SCALE}]
     * @throws IllegalArgumentException if s is outside that range
     */
    public static Map<String, MarginSoftmax> withScale(double s) {
        Map<String, MarginSoftmax> m = new LinkedHashMap<>();
        m.put("none", loss().margin(Margins.none()).scale(s).build());
        m.put("arcface", loss().margin(Margins.arcFace(0.5)).scale(s).build());
        m.put("arcface-easy", loss().margin(Margins.arcFaceEasy(0.5)).scale(s).build());
        m.put("arcface-straight-through", loss().margin(Margins.arcFace(0.5).straightThrough()).scale(s).build());
        m.put("cosface", loss().margin(Margins.cosFace(0.35)).scale(s).build());
        m.put("combined", loss().margin(Margins.combined(1.0, 0.3, 0.2)).scale(s).build());
        m.put("combined-m1", loss().margin(Margins.combined(1.5, 0.2, 0.1)).scale(s).build());
        m.put("combined-insightface", loss().margin(Margins.combined(0.9, 0.4, 0.15)).scale(s).build());
        m.put("sphereface", loss().margin(Margins.sphereFace(4)).scale(s).build());
        m.put("sphereface-lambda", loss().margin(Margins.sphereFace(3, 5)).scale(s).build());
        m.put("adacos-fixed", loss().scale(ScalePolicy.adaCosFixed()).build());
        m.put("adacos-dynamic", loss().scale(ScalePolicy.adaCosDynamic()).build());
        m.put("adacos-dynamic-step2", loss().scale(new ScalePolicy.AdaCosDynamic(9.5)).build());
        m.put("sv-softmax", loss().margin(Margins.arcFace(0.5)).negative(NegativeTransform.svSoftmax(1.2)).scale(s)
                .build());
        m.put("mv-softmax", loss().margin(Margins.cosFace(0.35)).negative(NegativeTransform.mvSoftmax(0.2)).scale(s)
                .build());
        m.put("curricularface", CurricularFace.loss(0.5, s));
        m.put("adaface", AdaFace.loss(s));
        m.put("magface", MagFace.loss(s));
        m.put("elasticface-arc", ElasticFace.arc(0.5, ELASTIC_SIGMA, ELASTIC_SEED, ElasticFace.Assignment.RANDOM, s));
        m.put("elasticface-arc-plus", ElasticFace.arc(0.5, ELASTIC_SIGMA, ELASTIC_SEED,
                ElasticFace.Assignment.PLUS_CODE, s));
        m.put("elasticface-cos", ElasticFace.cos(0.35, ELASTIC_SIGMA, ELASTIC_SEED, ElasticFace.Assignment.RANDOM,
                s));
        m.put("focal", loss().margin(Margins.arcFace(0.5)).focal(2).scale(s).build());
        m.put("focal-half", loss().margin(Margins.cosFace(0.35)).focal(0.5).scale(s).build());
        m.put("arcface-label-smoothing", loss().margin(Margins.arcFace(0.5)).labelSmoothing(0.1).scale(s).build());
        m.put("mv-softmax-label-smoothing", loss().margin(Margins.cosFace(0.35))
                .negative(NegativeTransform.mvSoftmax(0.2)).labelSmoothing(0.2).scale(s).build());
        m.put("arcface-sum", loss().margin(Margins.arcFace(0.5)).reduction(Reduction.SUM).scale(s).build());
        m.put("subcenter-arcface", loss().margin(Margins.arcFace(0.5)).subCenters(SUB_CENTERS).scale(s).build());
        return Collections.unmodifiableMap(m);
    }

    /**
     * The catalogue loss called {@code name} at the usual scale.
     *
     * @throws IllegalArgumentException naming the known losses if there is none of that name
     */
    public static MarginSoftmax named(String name) {
        Map<String, MarginSoftmax> all = all();
        MarginSoftmax loss = all.get(name);
        if (loss == null) {
            throw new IllegalArgumentException("no catalogue loss named '" + name + "'; known: " + all.keySet());
        }
        return loss;
    }

    private static MarginSoftmax.Builder loss() {
        return MarginSoftmax.builder();
    }
}
