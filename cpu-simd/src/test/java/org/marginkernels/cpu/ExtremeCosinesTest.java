package org.marginkernels.cpu;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Cosines at the edges of [-1, 1] and at the ArcFace threshold, scales up to 128, and the default tile size with
 * class counts that are not a multiple of it: finite results that match the reference.
 */
class ExtremeCosinesTest extends CpuTestSupport {

    @Test
    void featuresEqualToTheirClassWeight() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (double sign : new double[] {1, -1}) {
            for (Map.Entry<String, MarginSoftmax> e : catalogue().entrySet()) {
                Problem p = problem(r, 6, 19, 45, e.getValue().ignoreLabel());
                // x_i = +-3 w_y: c_iy = +-1 up to rounding
                for (int i = 0; i < p.batch(); i++) {
                    int y = p.labels()[i] < 0 ? 0 : p.labels()[i];
                    for (int k = 0; k < p.dim(); k++) {
                        p.features()[i * p.dim() + k] = (float) (sign * 3 * p.weights()[y * p.dim() + k]);
                    }
                }
                try (CpuBackend cpu = cpu(2, 0, 32)) {
                    assertMatchesReference(e.getKey() + (sign > 0 ? " c=1" : " c=-1"), e.getValue(), p, cpu);
                }
            }
        }
    }

    @Test
    void arcFaceAroundItsThreshold() {
        double m = 0.5;
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(m)).scale(64).build();
        SplittableRandom r = new SplittableRandom(SEED + 1);
        int dim = 24;
        for (double offset : new double[] {-1e-3, 1e-3, -0.05, 0.05}) {
            // x_i = cos(t) e_y + sin(t) v with v orthogonal to w_y = e_y, so c_iy = cos(pi - m) + offset
            double c = Math.cos(Math.PI - m) + offset;
            Problem p = problem(r, 5, dim, 40, -1);
            for (int i = 0; i < p.batch(); i++) {
                int y = Math.max(p.labels()[i], 0);
                for (int k = 0; k < dim; k++) {
                    p.weights()[y * dim + k] = k == 0 ? 2f : 0f;
                    p.features()[i * dim + k] = k == 0 ? (float) c : k == 1 ? (float) Math.sqrt(1 - c * c) : 0f;
                }
            }
            try (CpuBackend cpu = cpu(2, 0, 32)) {
                assertMatchesReference("arcFace threshold offset " + offset, loss, p, cpu);
            }
        }
    }

    @Test
    void defaultTileWithRaggedClassCounts() {
        SplittableRandom r = new SplittableRandom(SEED + 2);
        int[][] shapes = {{1, 17, 257}, {3, 33, 600}, {2, 8, 511}};
        MarginSoftmax[] losses = {catalogue().get("scale128"), catalogue().get("adaCosDynamic"),
            catalogue().get("mvSoftmax")};
        try (CpuBackend cpu = new CpuBackend(kernels(0), org.marginkernels.BackendOptions.defaults())) {
            for (int[] s : shapes) {
                for (MarginSoftmax loss : losses) {
                    assertMatchesReference(loss.toString(), loss, problem(r, s[0], s[1], s[2], -1), cpu);
                }
            }
        }
    }
}
