package org.marginkernels;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;

/**
 * The reference backend's gradients with respect to the RAW features and weights against finite differences of its
 * own double-precision loss, for every catalogue loss.
 *
 * <p>Scale 8 keeps the fifth derivative of the loss small enough for the O(h^4) Richardson error (h = 2^-12) to
 * stay below 1e-7; gradients are returned as float (relative rounding 6e-8). Problems whose cosines lie within 0.02
 * of a branch threshold are rejected, since a difference quotient across a jump measures the jump. Tolerance:
 * 2e-5 of the largest gradient element plus 1e-4 relative.
 */
class ReferenceGradientProperties {

    private static final Map<String, MarginSoftmax> LOSSES = LossCatalogue.withScale(8);
    private static Backend reference;

    @BeforeContainer
    static void open() {
        reference = Backends.named("reference");
    }

    @AfterContainer
    static void close() {
        reference.close();
    }

    /** Straight-through margins are not the gradient of their loss by design; {@link StraightThroughTest} checks them. */
    @Provide
    Arbitrary<String> losses() {
        return Arbitraries.of(LOSSES.keySet().stream().filter(n -> !n.contains("straight-through")).toList());
    }

    /** g_i minus its component along x_i, per row. g modified. */
    private static void alongRowsRemoved(float[] g, float[] x, int dim) {
        for (int i = 0; i < g.length / dim; i++) {
            double gx = 0;
            double xx = 0;
            for (int k = 0; k < dim; k++) {
                gx += (double) g[i * dim + k] * x[i * dim + k];
                xx += (double) x[i * dim + k] * x[i * dim + k];
            }
            for (int k = 0; k < dim; k++) {
                g[i * dim + k] = (float) (g[i * dim + k] - gx / xx * x[i * dim + k]);
            }
        }
    }

    @Property(tries = 600, seed = "7")
    void gradientsMatchFiniteDifferences(@ForAll("losses") String name, @ForAll @IntRange(min = 1, max = 4) int batch,
            @ForAll @IntRange(min = 2, max = 5) int dim, @ForAll @IntRange(min = 3, max = 6) int classes,
            @ForAll long seed) {
        MarginSoftmax loss = LOSSES.get(name);
        Problem p = GradientCheck.gridProblem(seed, batch, dim, classes, loss.subCenters());
        Assume.that(GradientCheck.distanceToKinks(loss, reference, p) > 0.02);
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        LossResult r = reference.forwardBackward(loss, p.features(), p.weights(), p.labels(), dim, gx, gw);
        float[][] numeric = GradientCheck.numericGradients(reference, GradientCheck.frozenScale(loss, r), p);
        if (loss.spec().readsNorm() && !loss.spec().hasNormPath()) {
            // the norm is a constant of the backward pass (AdaFace detaches it): the loss's true derivative along
            // x^_i is not its gradient by design, so both are compared across x^_i only
            alongRowsRemoved(numeric[0], p.features(), dim);
            alongRowsRemoved(gx, p.features(), dim);
        }
        double scale = Math.max(Tolerance.maxAbs(numeric[0]), Tolerance.maxAbs(numeric[1]));
        Tolerance.assertClose(name + " dL/dfeatures", numeric[0], gx, 2e-5 * scale + 1e-9, 1e-4);
        Tolerance.assertClose(name + " dL/dweights", numeric[1], gw, 2e-5 * scale + 1e-9, 1e-4);
    }
}
