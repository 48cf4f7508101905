package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;

/**
 * The straight-through ArcFace: forward values of ArcFace, backward as if df/dc = 1 (insightface arcface_torch). Its
 * gradient is checked against the layer-by-layer composition: ArcFace margin values, softmax backward, then the
 * identity margin backward and the cosine-logit backward.
 */
class StraightThroughTest {

    private final MarginSoftmax st = MarginSoftmax.builder().margin(Margins.arcFace(0.5).straightThrough()).scale(16)
            .build();
    private final MarginSoftmax arc = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(16).build();
    private final MarginSoftmax plain = MarginSoftmax.builder().margin(Margins.none()).scale(16).build();

    @Test
    void forwardEqualsArcFaceAndBackwardTreatsTheMarginAsIdentity() {
        Problem p = Problem.random(11, 5, 7, 6, 0, 0);
        int b = p.batch();
        int c = p.classes();
        try (Backend ref = Backends.named("reference")) {
            float[] gx = new float[p.features().length];
            float[] gw = new float[p.weights().length];
            LossResult r = ref.forwardBackward(st, p.features(), p.weights(), p.labels(), p.dim(), gx, gw);
            assertEquals(ref.forward(arc, p.features(), p.weights(), p.labels(), p.dim()).loss(), r.loss(), 0.0);

            float[] cos = new float[b * c];
            float[] margined = new float[b * c];
            float[] dMargined = new float[b * c];
            float[] dCos = new float[b * c];
            float[] ex = new float[gx.length];
            float[] ew = new float[gw.length];
            ref.cosineLogits(p.features(), p.weights(), p.dim(), cos);
            ref.marginForward(arc, cos, p.labels(), margined);
            ref.scaledSoftmaxCrossEntropy(plain, 16, margined, p.labels(), dMargined);
            ref.marginBackward(plain, cos, p.labels(), dMargined, dCos);
            ref.cosineLogitsBackward(p.features(), p.weights(), p.dim(), dCos, ex, ew);
            // the composition rounds the margined values and dL/df to float once more: 1e-5 relative
            Tolerance.assertClose("dL/dfeatures", ex, gx, 1e-6 * Tolerance.maxAbs(ex), 1e-5);
            Tolerance.assertClose("dL/dweights", ew, gw, 1e-6 * Tolerance.maxAbs(ew), 1e-5);

            float[] arcGx = new float[gx.length];
            ref.forwardBackward(arc, p.features(), p.weights(), p.labels(), p.dim(), arcGx, null);
            assertNotEquals(arcGx[0], gx[0], "the straight-through gradient must differ from ArcFace's");
        }
    }
}
