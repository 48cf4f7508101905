package org.marginkernels.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.Reduction;
import org.marginkernels.ScalePolicy;

/**
 * Every loss of the catalogue in one named map, with the parameter values the papers use, so that every test suite
 * (reference, cpu, opencl, cuda) walks the same list.
 */
public final class LossCatalogue {

    private LossCatalogue() {
    }

    /** Catalogue losses at their usual scale (64, or AdaCos). */
    public static Map<String, MarginSoftmax> all() {
        return withScale(64);
    }

    /** Catalogue losses with fixed-scale entries at scale {@code s} (AdaCos entries keep their own policy). */
    public static Map<String, MarginSoftmax> withScale(double s) {
        Map<String, MarginSoftmax> m = new LinkedHashMap<>();
        m.put("none", loss().margin(Margins.none()).scale(s).build());
        m.put("arcface", loss().margin(Margins.arcFace(0.5)).scale(s).build());
        m.put("arcface-easy", loss().margin(Margins.arcFaceEasy(0.5)).scale(s).build());
        m.put("arcface-straight-through", loss().margin(Margins.arcFace(0.5).straightThrough()).scale(s).build());
        m.put("cosface", loss().margin(Margins.cosFace(0.35)).scale(s).build());
        m.put("combined", loss().margin(Margins.combined(1.0, 0.3, 0.2)).scale(s).build());
        m.put("combined-m1", loss().margin(Margins.combined(1.5, 0.2, 0.1)).scale(s).build());
        m.put("sphereface", loss().margin(Margins.sphereFace(4)).scale(s).build());
        m.put("sphereface-lambda", loss().margin(Margins.sphereFace(3, 5)).scale(s).build());
        m.put("adacos-fixed", loss().scale(ScalePolicy.adaCosFixed()).build());
        m.put("adacos-dynamic", loss().scale(ScalePolicy.adaCosDynamic()).build());
        m.put("adacos-dynamic-step2", loss().scale(new ScalePolicy.AdaCosDynamic(9.5)).build());
        m.put("sv-softmax", loss().margin(Margins.arcFace(0.5)).negative(NegativeTransform.svSoftmax(1.2)).scale(s)
                .build());
        m.put("mv-softmax", loss().margin(Margins.cosFace(0.35)).negative(NegativeTransform.mvSoftmax(0.2)).scale(s)
                .build());
        m.put("focal", loss().margin(Margins.arcFace(0.5)).focal(2).scale(s).build());
        m.put("focal-half", loss().margin(Margins.cosFace(0.35)).focal(0.5).scale(s).build());
        m.put("arcface-sum", loss().margin(Margins.arcFace(0.5)).reduction(Reduction.SUM).scale(s).build());
        return m;
    }

    private static MarginSoftmax.Builder loss() {
        return MarginSoftmax.builder();
    }
}
