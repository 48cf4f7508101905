package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.marginkernels.BackendOptions;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.Reduction;
import org.marginkernels.ScalePolicy;
import org.marginkernels.reference.ReferenceBackend;

/**
 * Shared test fixtures: a seeded random source, the loss catalogue, problem generators and float32 comparisons
 * against the double-precision reference backend.
 *
 * <p>Tolerances. The cpu backend stores floats and accumulates dot products of length D in float vectors, so a
 * cosine carries an absolute error of at most about D eps (eps = 2^-23, |x^| = |w^| = 1); the softmax turns that
 * into a relative error of s D eps in each probability and hence in each gradient term. We compare every value
 * with the reference within {@code 4 (s + 1) D eps} relative to the largest magnitude of the compared array (the
 * natural scale of a sum of |terms|), plus 1e-6 absolute for gradients that are all but zero. A wrong derivative, a
 * lost target path or a mis-merged partial shows up as an O(1) relative error, far above this bound.
 */
class CpuTestSupport {

    /** float32 unit roundoff. */
    static final double EPS = 0x1p-23;

    /** The default seed; each property adds its own seed so failures reproduce. */
    static final long SEED = 20261128L;

    /** The kernels this JVM is forced to (or picks): panama or scalar. */
    static CpuKernels kernels(int vectorBits) {
        return CpuKernelsChoice.choose(vectorBits);
    }

    /** A cpu backend with small tiles, so that small problems still span several tiles and chunks. */
    static CpuBackend cpu(int threads, int vectorBits, int tileClasses) {
        BackendOptions o = BackendOptions.defaults().withThreads(threads).withVectorBits(vectorBits);
        return new CpuBackend(kernels(vectorBits), o, tileClasses);
    }

    static ReferenceBackend reference() {
        return new ReferenceBackend();
    }

    /** Every loss of the catalogue the issue lists, by name. */
    static Map<String, MarginSoftmax> catalogue() {
        Map<String, MarginSoftmax> m = new LinkedHashMap<>();
        m.put("arcFace", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build());
        m.put("arcFaceEasy", MarginSoftmax.builder().margin(Margins.arcFaceEasy(0.5)).scale(64).build());
        m.put("arcFaceStraightThrough",
                MarginSoftmax.builder().margin(Margins.arcFace(0.5).straightThrough()).scale(64).build());
        m.put("cosFace", MarginSoftmax.builder().margin(Margins.cosFace(0.35)).scale(64).build());
        m.put("combined", MarginSoftmax.builder().margin(Margins.combined(1.0, 0.3, 0.2)).scale(64).build());
        m.put("sphereFace", MarginSoftmax.builder().margin(Margins.sphereFace(4, 1.0)).scale(30).build());
        m.put("none", MarginSoftmax.builder().scale(30).build());
        m.put("adaCosFixed", MarginSoftmax.builder().scale(ScalePolicy.adaCosFixed()).build());
        m.put("adaCosDynamic", MarginSoftmax.builder().scale(ScalePolicy.adaCosDynamic()).build());
        m.put("adaCosDynamicPrevious", MarginSoftmax.builder().scale(new ScalePolicy.AdaCosDynamic(20)).build());
        m.put("svSoftmax", MarginSoftmax.builder().margin(Margins.arcFace(0.3))
                .negative(NegativeTransform.svSoftmax(1.2)).scale(32).build());
        m.put("mvSoftmax", MarginSoftmax.builder().margin(Margins.cosFace(0.2))
                .negative(NegativeTransform.mvSoftmax(0.2)).scale(32).build());
        m.put("focal", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).focal(2).scale(64).build());
        m.put("focalHalf", MarginSoftmax.builder().margin(Margins.cosFace(0.2)).focal(0.5).scale(64).build());
        m.put("ignoreLabel", MarginSoftmax.builder().margin(Margins.cosFace(0.35)).ignoreLabel(-7).scale(64)
                .build());
        m.put("sum", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).reduction(Reduction.SUM).scale(64)
                .build());
        m.put("scale128", MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(128).build());
        return m;
    }

    /** A problem: raw features, weights and labels. */
    record Problem(float[] features, float[] weights, int[] labels, int dim) {
        int batch() {
            return labels.length;
        }

        int classes() {
            return weights.length / dim;
        }
    }

    /**
     * A random problem: Gaussian weights with random norms, features near their class weight (so that target
     * cosines spread over (-1, 1) and the softmax is far from uniform), and about one row in eight ignored.
     */
    static Problem problem(SplittableRandom r, int batch, int dim, int classes, int ignoreLabel) {
        float[] w = new float[classes * dim];
        for (int j = 0; j < classes; j++) {
            double norm = 0.5 + r.nextDouble() * 2;
            for (int k = 0; k < dim; k++) {
                w[j * dim + k] = (float) (gaussian(r) * norm);
            }
        }
        int[] labels = new int[batch];
        float[] x = new float[batch * dim];
        for (int i = 0; i < batch; i++) {
            labels[i] = r.nextInt(8) == 0 ? ignoreLabel : r.nextInt(classes);
            int y = labels[i] < 0 ? r.nextInt(classes) : labels[i];
            double pull = r.nextDouble() * 3 - 1;
            double norm = 0.1 + r.nextDouble() * 5;
            for (int k = 0; k < dim; k++) {
                x[i * dim + k] = (float) (norm * (pull * w[y * dim + k] + gaussian(r)));
            }
        }
        fixZeroRows(x, dim);
        return new Problem(x, w, labels, dim);
    }

    static void fixZeroRows(float[] m, int dim) {
        for (int r = 0; r < m.length / dim; r++) {
            double ss = 0;
            for (int k = 0; k < dim; k++) {
                ss += (double) m[r * dim + k] * m[r * dim + k];
            }
            if (ss < 1e-20) {
                m[r * dim] = 1f;
            }
        }
    }

    static double minRowNorm(float[] m, int dim) {
        double min = Double.POSITIVE_INFINITY;
        for (int r = 0; r < m.length / dim; r++) {
            double ss = 0;
            for (int k = 0; k < dim; k++) {
                ss += (double) m[r * dim + k] * m[r * dim + k];
            }
            min = Math.min(min, Math.sqrt(ss));
        }
        return min;
    }

    static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    static float[] randomMatrix(SplittableRandom r, int rows, int dim) {
        float[] m = new float[rows * dim];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) gaussian(r);
        }
        fixZeroRows(m, dim);
        return m;
    }

    /** The float32 tolerance for a computation with logit scale s over dimension dim (see the class comment). */
    static double tolerance(double scale, int dim) {
        return 4 * (scale + 1) * dim * EPS;
    }

    /** |actual - expected| &lt;= tol max|expected| + 1e-6 element-wise. */
    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertClose(what, expected, actual, tol, 0);
    }

    /**
     * |actual - expected| &lt;= tol max(max|expected|, termScale) + 1e-6 element-wise: termScale is the size of the
     * terms a value is summed from, for results that cancel to (nearly) zero.
     */
    static void assertClose(String what, float[] expected, float[] actual, double tol, double termScale) {
        assertEquals(expected.length, actual.length, what + " length");
        double max = 0;
        for (float e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double bound = tol * Math.max(max, termScale) + 1e-6;
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(actual[i])) {
                fail(what + "[" + i + "] is not finite: " + actual[i]);
            }
            if (Math.abs(expected[i] - actual[i]) > bound) {
                fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i] + " (bound " + bound
                        + ", max |expected| " + max + ")");
            }
        }
    }

    /** The loss, scale and rows of two results agree (loss within tol relative to max(1, |loss|)). */
    static void assertResult(String what, LossResult expected, LossResult actual, double tol) {
        assertEquals(expected.rows(), actual.rows(), what + " rows");
        assertEquals(expected.scale(), actual.scale(), 1e-4 * expected.scale(), what + " scale");
        assertTrue(Double.isFinite(actual.loss()), what + " loss not finite: " + actual.loss());
        assertEquals(expected.loss(), actual.loss(), tol * Math.max(1, Math.abs(expected.loss())), what + " loss");
    }

    /** Runs forward+backward on the reference and the cpu backend and compares loss and both gradients. */
    static void assertMatchesReference(String name, MarginSoftmax loss, Problem p, CpuBackend cpu) {
        float[] refDx = new float[p.features().length];
        float[] refDw = new float[p.weights().length];
        LossResult ref = reference().forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), refDx,
                refDw);
        float[] dx = new float[p.features().length];
        float[] dw = new float[p.weights().length];
        LossResult got = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
        String what = name + " (B=" + p.batch() + ", D=" + p.dim() + ", C=" + p.classes() + ", "
                + cpu.kernelsDescription() + ")";
        double tol = tolerance(ref.scale(), p.dim());
        assertResult(what, ref, got, tol);
        // |dL/dc_ij| <= 2 s w |F'| summed over a row (focal F' stays below about 2), so dX^ terms are about
        // 4 s w / |x_i| and dW^ terms 4 s w rows / |w_j|
        double w = loss.reduction() == Reduction.MEAN && ref.rows() > 0 ? 1.0 / ref.rows() : 1.0;
        double g = 4 * ref.scale() * w;
        assertClose(what + " featureGrad", refDx, dx, tol, g / minRowNorm(p.features(), p.dim()));
        assertClose(what + " weightGrad", refDw, dw, tol, g * ref.rows() / minRowNorm(p.weights(), p.dim()));
        LossResult forwardOnly = cpu.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), null,
                null);
        assertEquals(got.loss(), forwardOnly.loss(), 1e-12 * Math.max(1, Math.abs(got.loss())),
                what + " forward-only loss");
    }
}
