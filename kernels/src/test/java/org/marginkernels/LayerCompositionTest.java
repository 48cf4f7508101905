package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;

/**
 * The layer-level methods (the Caffe-style graph: cosine logits, margin, scaled softmax, and their backwards) compose
 * to the fused forwardBackward, for every catalogue loss. The composition stores each intermediate as float, so it
 * agrees to float rounding propagated through s = 64: 1e-4 relative on the loss, and 1e-5 of the largest gradient
 * element plus 1e-3 relative on the gradients.
 */
class LayerCompositionTest {

    @Test
    void layersComposeToTheFusedLoss() {
        Problem p = Problem.random(5, 6, 9, 7, 0.3, 0.2);
        int n = p.batch() * p.classes();
        try (Backend ref = Backends.named("reference")) {
            for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
                MarginSoftmax loss = e.getValue();
                if (loss.spec().readsNorm() || loss.subCenters() > 1) {
                    // the layer methods see cosines only and refuse a loss that reads the feature norm, or that
                    // pools sub-centers
                    continue;
                }
                float[] gx = new float[p.features().length];
                float[] gw = new float[p.weights().length];
                LossResult fused = ref.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), gx, gw);

                float[] cos = new float[n];
                float[] f = new float[n];
                float[] df = new float[n];
                float[] dc = new float[n];
                float[] lx = new float[gx.length];
                float[] lw = new float[gw.length];
                ref.cosineLogits(p.features(), p.weights(), p.dim(), cos);
                double scale = ref.scaleFor(loss, cos, p.labels());
                ref.marginForward(loss, cos, p.labels(), f);
                LossResult layered = ref.scaledSoftmaxCrossEntropy(loss, scale, f, p.labels(), df);
                ref.marginBackward(loss, cos, p.labels(), df, dc);
                ref.cosineLogitsBackward(p.features(), p.weights(), p.dim(), dc, lx, lw);

                assertEquals(fused.scale(), scale, 1e-6 * scale, e.getKey());
                assertEquals(fused.loss(), layered.loss(), 1e-4 * (1 + fused.loss()), e.getKey());
                Tolerance.assertClose(e.getKey() + " dX", gx, lx, 1e-5 * Tolerance.maxAbs(gx), 1e-3);
                Tolerance.assertClose(e.getKey() + " dW", gw, lw, 1e-5 * Tolerance.maxAbs(gw), 1e-3);
            }
        }
    }

    /**
     * l2NormalizeBackward against central differences of phi(x) = g . x / |x|, evaluated in double here (the
     * backend's float output would put 1e-4 of rounding noise into the quotient); the quotient's error is
     * O(h^2 / |x|^3) ~ 1e-7 for rows of norm >= 0.5, and the backend rounds its result to float (6e-8 relative).
     */
    @Test
    void normalizationBackwardMatchesFiniteDifferences() {
        Problem p = org.marginkernels.testsupport.GradientCheck.gridProblem(8, 3, 5, 1);
        float[] x = p.features();
        float[] g = new float[x.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) Math.sin(i + 1.0);
        }
        float[] y = new float[x.length];
        float[] norms = new float[3];
        float[] dx = new float[x.length];
        try (Backend ref = Backends.named("reference")) {
            ref.l2Normalize(x, 5, y, norms);
            ref.l2NormalizeBackward(y, norms, g, 5, dx);
            float h = 1f / 4096;
            for (int i = 0; i < x.length; i++) {
                float saved = x[i];
                x[i] = saved + h;
                double plus = phi(x, g);
                x[i] = saved - h;
                double minus = phi(x, g);
                x[i] = saved;
                assertEquals((plus - minus) / (2 * h), dx[i], 1e-5, "element " + i);
            }
        }
    }

    private static double phi(float[] x, float[] g) {
        double s = 0;
        for (int r = 0; r < x.length / 5; r++) {
            double norm = 0;
            for (int k = 5 * r; k < 5 * r + 5; k++) {
                norm += (double) x[k] * x[k];
            }
            for (int k = 5 * r; k < 5 * r + 5; k++) {
                s += (double) g[k] * x[k] / Math.sqrt(norm);
            }
        }
        return s;
    }
}
