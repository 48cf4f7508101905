package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * Cosines at the edges of the clamp and at the ArcFace fallback threshold, where guards and branches decide the
 * result: a feature equal to (a multiple of) its class weight (c = 1), its negation (c = -1), and ArcFace targets
 * 1e-3 either side of cos(pi - m).
 *
 * <p>Tolerances: the loss as in {@link OpenClForwardBackwardProperties}; gradients 1e-3 (not 1e-4), because the float
 * cosine of a feature parallel to its weight in 17 dimensions may come out as 1 - 2^-23 = 1 - 1.19e-7, just below
 * the clamp bound 1 - 1e-7 where the reference's double cosine is clamped: acos there differs by 4e-5 rad, which
 * moves a combined-margin logit by s sin(m2) 4e-5 = 8e-4 and the gradient by about 1.3e-4 relative (measured). The
 * clamp itself is exact (f(c_y) is evaluated in double, see {@code OpenClReliabilityTest}).
 */
class OpenClExtremeCosineTest {

    static final double CLAMP_GRADIENT_TOLERANCE = 1e-3;

    @BeforeEach
    void requireOpenCl() {
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 17})
    void featureEqualToOrOppositeItsClassWeight(int dim) {
        Random r = new Random(GpuTestSupport.SEED + dim);
        int batch = 5;
        int classes = 37;
        float[] w = GpuTestSupport.gaussian(r, classes * dim);
        float[] x = GpuTestSupport.gaussian(r, batch * dim);
        int[] y = {4, 11, 36, 0, 20};
        for (int k = 0; k < dim; k++) {
            x[k] = 2.5f * w[y[0] * dim + k];
            x[dim + k] = -0.75f * w[y[1] * dim + k];
            x[2 * dim + k] = w[y[2] * dim + k];
        }
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            compare(e.getKey() + " dim=" + dim, e.getValue(), x, w, y, dim);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-3, -1e-3})
    void arcFaceEitherSideOfTheFallbackThreshold(double offset) {
        int dim = 9;
        int classes = 19;
        int batch = 3;
        Random r = new Random(GpuTestSupport.SEED);
        float[] w = GpuTestSupport.gaussian(r, classes * dim);
        float[] x = GpuTestSupport.gaussian(r, batch * dim);
        int[] y = {3, 7, 18};
        double c = Math.cos(Math.PI - 0.5) + offset;
        for (int i = 0; i < 2; i++) {
            // w_y along axis 0 (scaled), x_i at angle acos(c) from it in the plane of axes 0 and 1
            for (int k = 0; k < dim; k++) {
                w[y[i] * dim + k] = k == 0 ? 3f : 0f;
                x[i * dim + k] = k == 0 ? (float) (2 * c) : k == 1 ? (float) (2 * Math.sqrt(1 - c * c)) : 0f;
            }
        }
        for (String name : new String[] {"arcface", "sv-softmax", "focal"}) {
            compare(name + " offset=" + offset, LossCatalogue.all().get(name), x, w, y, dim);
        }
    }

    private static void compare(String what, MarginSoftmax loss, float[] x, float[] classWeights, int[] y, int dim) {
        Backend gpu = GpuTestSupport.openCl();
        float[] w = loss.subCenters() == 1 ? classWeights
                : GpuTestSupport.subCenterWeights(classWeights, dim, loss.subCenters());
        float[] gx = new float[x.length];
        float[] gw = new float[w.length];
        float[] rx = new float[x.length];
        float[] rw = new float[w.length];
        LossResult got = gpu.forwardBackward(loss, x, w, y, dim, gx, gw);
        LossResult want = GpuTestSupport.reference().forwardBackward(loss, x, w, y, dim, rx, rw);
        assertEquals(want.loss(), got.loss(), OpenClForwardBackwardProperties.LOSS_TOLERANCE
                * Math.max(1, Math.abs(want.loss())), what + ": loss");
        assertTrue(Double.isFinite(got.loss()), what + ": finite loss");
        double ex = GpuTestSupport.relativeError(gx, rx);
        double ew = GpuTestSupport.relativeError(gw, rw);
        assertTrue(ex <= CLAMP_GRADIENT_TOLERANCE, what + ": dX error " + ex);
        assertTrue(ew <= CLAMP_GRADIENT_TOLERANCE, what + ": dW error " + ew);
    }
}
