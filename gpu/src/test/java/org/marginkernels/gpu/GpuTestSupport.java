package org.marginkernels.gpu;

import java.util.Random;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.spec.KernelSpec;
import org.marginkernels.spi.RowCheck;

/**
 * Shared test state: one OpenCL backend per JVM (PoCL compiles are slow, so the program cache is shared by every
 * test class), the reference oracle, a seeded random source and problem builders.
 */
final class GpuTestSupport {

    /** The seed of every random problem; a failing case prints its inputs' seed through its parameters. */
    static final long SEED = 20261128L;

    private static Backend openCl;
    private static String openClReason;
    private static final Backend REFERENCE = Backends.named("reference");

    private GpuTestSupport() {
    }

    /** The shared OpenCL backend, or null when it is not usable here (see {@link #openClReason()}). */
    static synchronized Backend openCl() {
        if (openCl == null && openClReason == null) {
            try {
                openCl = Backends.named("opencl");
            } catch (UnsupportedOperationException e) {
                openClReason = e.getMessage();
            }
        }
        return openCl;
    }

    /** Why OpenCL is not usable, or null when it is. */
    static synchronized String openClReason() {
        openCl();
        return openClReason;
    }

    static Backend reference() {
        return REFERENCE;
    }

    /** A random problem: gaussian rows, labels uniform over the classes, row 0 ignored when {@code ignoreFirst}. */
    record Problem(float[] x, float[] w, int[] y, int batch, int classes, int dim) {

        static Problem random(long seed, int batch, int classes, int dim, boolean ignoreFirst, int ignoreLabel) {
            Random r = new Random(seed);
            float[] x = gaussian(r, batch * dim);
            float[] w = gaussian(r, classes * dim);
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = r.nextInt(classes);
            }
            if (ignoreFirst && batch > 1) {
                y[0] = ignoreLabel;
            }
            return new Problem(x, w, y, batch, classes, dim);
        }

        /** This problem for {@code loss}: its weights as {@link #subCenterWeights} for the loss's K (itself for 1). */
        Problem forLoss(MarginSoftmax loss) {
            return loss.subCenters() == 1 ? this
                    : new Problem(x, subCenterWeights(w, dim, loss.subCenters()), y, batch, classes, dim);
        }
    }

    /** Each row of {@code w} repeated k times: k identical sub-centers per class. */
    static float[] repeatedRows(float[] w, int dim, int k) {
        float[] out = new float[w.length * k];
        for (int r = 0; r < w.length / dim * k; r++) {
            System.arraycopy(w, r / k * dim, out, r * dim, dim);
        }
        return out;
    }

    /**
     * K sub-centers per class row of {@code w}: sub-center 0 is the row itself (so a feature built from it keeps its
     * cosine near +-1), the others the row plus seeded gaussian noise of its own size, so that the nearest
     * sub-center varies from row to row.
     */
    static float[] subCenterWeights(float[] w, int dim, int k) {
        Random r = new Random(w.length + 31L * k);
        float[] out = new float[w.length * k];
        for (int c = 0; c < w.length / dim; c++) {
            for (int s = 0; s < k; s++) {
                for (int t = 0; t < dim; t++) {
                    float v = w[c * dim + t];
                    out[(c * k + s) * dim + t] = s == 0 ? v
                            : (float) (v + r.nextGaussian() * Math.abs(v) + 0.1 * r.nextGaussian());
                }
            }
        }
        return out;
    }

    static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Largest |a_i - b_i| over max(|b|) (floored at 1e-6 so an all-zero gradient compares absolutely). */
    static double relativeError(float[] a, float[] b) {
        double diff = 0;
        double scale = 1e-6;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    /**
     * True when no cosine of the problem lies within {@code distance} of a jump of f, f', g or g' (float and double
     * may take different branches there, a discrepancy of the input's rounding, not of the kernel).
     */
    static boolean farFromKinks(MarginSoftmax loss, Problem p, double distance) {
        // the class cosines: the max over each class's sub-centers, which must not be near-tied either
        int sub = p.w().length / p.dim() / p.classes();
        float[] raw = new float[p.batch() * p.classes() * sub];
        REFERENCE.cosineLogits(p.x(), p.w(), p.dim(), raw);
        float[] cos = new float[p.batch() * p.classes()];
        for (int e = 0; e < cos.length; e++) {
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < sub; k++) {
                float c = raw[e * sub + k];
                second = Math.max(second, Math.min(first, c));
                first = Math.max(first, c);
            }
            if (first - second < distance) {
                return false;
            }
            cos[e] = first;
        }
        KernelSpec spec = loss.spec();
        for (int i = 0; i < p.batch(); i++) {
            int y = p.y()[i];
            if (y < 0) {
                continue;
            }
            double cy = cos[i * p.classes() + y];
            double norm = Math.sqrt(RowCheck.sumOfSquares(p.x(), i * p.dim(), p.dim()));
            if (jumps(c -> spec.target(c, norm, 0), cy, distance)
                    || jumps(c -> spec.targetGradient(c, norm, 0), cy, distance)) {
                return false;
            }
            double fy = spec.target(cy, norm, 0);
            for (int j = 0; j < p.classes(); j++) {
                double c = cos[i * p.classes() + j];
                if (j != y && (jumps(v -> spec.negative(v, fy), c, distance)
                        || jumps(v -> spec.negativeGradient(v, fy), c, distance))) {
                    return false;
                }
            }
        }
        return true;
    }

    // not smooth within distance: the second difference of a smooth function is f'' d^2 (about 1e-10 here), while a
    // jump of size J gives J and a kink of f' of size K gives about K d
    private static boolean jumps(java.util.function.DoubleUnaryOperator f, double c, double distance) {
        double second = f.applyAsDouble(c + distance) - 2 * f.applyAsDouble(c) + f.applyAsDouble(c - distance);
        return Math.abs(second) > 1e-6;
    }

    /**
     * topK's results against exact cosines: each score is its index's cosine (1e-5) and the score at rank r is the
     * r-th best exact cosine (2e-5), so an index may differ from the exact order only between near-ties.
     */
    static void assertTopKIsExact(String what, float[] queries, float[] gallery, int dim, int k, int[] idx,
            float[] scores) {
        int g = gallery.length / dim;
        double[] exact = new double[g];
        for (int i = 0; i < queries.length / dim; i++) {
            for (int j = 0; j < g; j++) {
                exact[j] = cosine(queries, i, gallery, j, dim);
            }
            double[] sorted = exact.clone();
            java.util.Arrays.sort(sorted);
            for (int rank = 0; rank < k; rank++) {
                int at = i * k + rank;
                String where = what + ": query " + i + " rank " + rank;
                org.junit.jupiter.api.Assertions.assertEquals(exact[idx[at]], scores[at], 1e-5,
                        where + ": score of the returned index");
                org.junit.jupiter.api.Assertions.assertEquals(sorted[g - 1 - rank], exact[idx[at]], 2e-5,
                        where + ": rank-th best cosine");
            }
        }
    }

    /** The cosine of row ai of a and row bi of b in double, each row normalized first (rows of any finite norm). */
    static double cosine(float[] a, int ai, float[] b, int bi, int dim) {
        double aa = Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(a, ai * dim, dim));
        double bb = Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(b, bi * dim, dim));
        double dot = 0;
        for (int t = 0; t < dim; t++) {
            dot += (a[ai * dim + t] / aa) * (b[bi * dim + t] / bb);
        }
        return dot;
    }
}
