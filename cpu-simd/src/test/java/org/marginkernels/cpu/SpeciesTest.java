package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;

/**
 * Every vector width this CPU runs (64 bits up to the preferred width) agrees with the reference, on dimensions
 * that straddle each width's lane count (L - 1, L, L + 1, 2L + 1); widths agree with each other within the same
 * float tolerance.
 */
class SpeciesTest extends CpuTestSupport {

    @Test
    void everyWidthMatchesReference() {
        assumeTrue(kernels(0).description().startsWith("panama"), "panama kernels only");
        int preferredBits = kernels(0).panelWidth() / 2 * 32;
        List<Integer> widths = new ArrayList<>();
        for (int bits = 64; bits <= preferredBits; bits *= 2) {
            widths.add(bits);
        }
        SplittableRandom r = new SplittableRandom(SEED);
        for (int bits : widths) {
            int lanes = bits / 32;
            try (CpuBackend cpu = cpu(2, bits, 32)) {
                for (int dim : new int[] {lanes - 1, lanes, lanes + 1, 2 * lanes + 1}) {
                    if (dim < 1) {
                        continue;
                    }
                    for (Map.Entry<String, MarginSoftmax> e : catalogue().entrySet()) {
                        Problem p = problem(r, 7, dim, 67, e.getValue().ignoreLabel());
                        assertMatchesReference(e.getKey() + " " + bits + "-bit", e.getValue(), p, cpu);
                    }
                }
            }
        }
    }

    @Test
    void widthsAgreeWithEachOther() {
        assumeTrue(kernels(0).description().startsWith("panama"), "panama kernels only");
        SplittableRandom r = new SplittableRandom(SEED + 2);
        for (Map.Entry<String, MarginSoftmax> e : catalogue().entrySet()) {
            Problem p = problem(r, 11, 41, 97, e.getValue().ignoreLabel());
            float[] dx128 = new float[p.features().length];
            float[] dw128 = new float[p.weights().length];
            float[] dx256 = new float[p.features().length];
            float[] dw256 = new float[p.weights().length];
            LossResult a;
            LossResult b;
            try (CpuBackend cpu = cpu(1, 128, 32)) {
                a = cpu.forwardBackward(e.getValue(), p.features(), p.weights(), p.labels(), p.dim(), dx128, dw128);
            }
            try (CpuBackend cpu = cpu(1, 256, 32)) {
                b = cpu.forwardBackward(e.getValue(), p.features(), p.weights(), p.labels(), p.dim(), dx256, dw256);
            }
            double tol = tolerance(a.scale(), p.dim());
            assertResult(e.getKey() + " 128 vs 256", a, b, tol);
            assertClose(e.getKey() + " featureGrad 128 vs 256", dx128, dx256, tol);
            assertClose(e.getKey() + " weightGrad 128 vs 256", dw128, dw256, tol);
        }
    }
}
