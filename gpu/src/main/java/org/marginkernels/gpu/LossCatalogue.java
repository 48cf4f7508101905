package org.marginkernels.gpu;

import java.util.LinkedHashMap;
import java.util.Map;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.ScalePolicy;

/**
 * Every loss of the catalogue, by a file-safe name: one per margin, scale policy, negative transform and focal.
 * The golden files, the OpenCL properties and {@link GpuCheck} all run this list.
 */
final class LossCatalogue {

    private LossCatalogue() {
    }

    /** The catalogue in a fixed order. */
    static Map<String, MarginSoftmax> all() {
        Map<String, MarginSoftmax> m = new LinkedHashMap<>();
        m.put("normface", MarginSoftmax.builder().scale(30).build());
        m.put("arcface", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build());
        m.put("arcface-easy", MarginSoftmax.builder().margin(Margins.arcFaceEasy(0.5)).scale(64).build());
        m.put("arcface-straight-through", MarginSoftmax.builder().margin(Margins.arcFace(0.5).straightThrough())
                .scale(64).build());
        m.put("cosface", MarginSoftmax.builder().margin(Margins.cosFace(0.35)).scale(64).build());
        m.put("combined", MarginSoftmax.builder().margin(Margins.combined(1.0, 0.3, 0.2)).scale(64).build());
        m.put("sphereface", MarginSoftmax.builder().margin(Margins.sphereFace(4)).scale(30).build());
        m.put("sphereface-lambda", MarginSoftmax.builder().margin(Margins.sphereFace(3, 5.0)).scale(30).build());
        m.put("adacos-fixed", MarginSoftmax.builder().scale(ScalePolicy.adaCosFixed()).build());
        m.put("adacos-dynamic", MarginSoftmax.builder().scale(ScalePolicy.adaCosDynamic()).build());
        m.put("sv-softmax", MarginSoftmax.builder().margin(Margins.arcFace(0.5))
                .negative(NegativeTransform.svSoftmax(1.2)).scale(64).build());
        m.put("mv-softmax", MarginSoftmax.builder().margin(Margins.cosFace(0.35))
                .negative(NegativeTransform.mvSoftmax(0.2)).scale(32).build());
        m.put("focal", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).focal(2).scale(64).build());
        return m;
    }
}
