package org.marginkernels;

import org.marginkernels.spi.ArgumentChecks;
import org.marginkernels.spi.KernelBackend;
import org.marginkernels.spi.RowCheck;

/**
 * Argument checks of the facade: each names the argument and what was expected, and none writes anything. Sizes
 * are multiplied in long, so a product beyond the largest Java array is an IllegalArgumentException, never a
 * wrapped int that lets a short buffer through. The checks backends run too live in {@link ArgumentChecks}; those
 * here delegate to it.
 */
final class Checks {

    /**
     * The largest logit magnitude |s f| the layer-level softmax accepts, 2^100 (about 1.3e30): differences of two
     * logits and their exponentials stay finite in float.
     */
    static final double MAX_LOGIT = 0x1p100;

    private Checks() {
    }

    static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    static <T> T notNull(String name, T value) {
        return ArgumentChecks.notNull(name, value);
    }

    /** Checks that {@code array} holds whole rows of {@code dim} floats and returns the row count. */
    static int rows(String name, float[] array, int dim) {
        return ArgumentChecks.rows(name, array, dim);
    }

    /**
     * Checks that {@code array} holds whole groups of {@code subCenters} rows of {@code dim} floats (one group per
     * class) and returns the class count.
     */
    static int subCenterRows(String name, float[] array, int dim, int subCenters) {
        int rows = rows(name, array, dim);
        if (rows % subCenters != 0) {
            throw new IllegalArgumentException(name + " must hold classes x subCenters = classes x " + subCenters
                    + " rows of dim=" + dim + " floats, got " + rows + " rows (not a multiple of " + subCenters + ")");
        }
        return rows / subCenters;
    }

    /**
     * rows x cols as the length of an output array: an IllegalArgumentException naming {@code what} when the product
     * exceeds the largest Java array.
     */
    static int product(String what, int rows, int cols) {
        long n = (long) rows * cols;
        if (n > KernelBackend.MAX_HEAP_FLOATS) {
            throw new IllegalArgumentException(what + " = " + rows + " x " + cols + " = " + n
                    + " elements exceeds the largest Java array (" + KernelBackend.MAX_HEAP_FLOATS + ")");
        }
        return (int) n;
    }

    static void length(String name, float[] array, int expected, String what) {
        ArgumentChecks.length(name, array, expected, what);
    }

    static void required(String name, float[] array, int expected, String what) {
        notNull(name, array);
        length(name, array, expected, what);
    }

    static void required(String name, int[] array, int expected, String what) {
        notNull(name, array);
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " must have length " + expected + " (" + what + "), got "
                    + array.length);
        }
    }

    /**
     * Every output must be an array of its own: not one of the inputs (a kernel reads inputs after it starts writing)
     * and not another output. Null outputs (skipped) are ignored. Names and arrays alternate: outputs first, each
     * checked against every later output and every input.
     *
     * @param outputs output names and arrays, alternating
     * @param inputs input names and arrays, alternating
     */
    static void distinct(Object[] outputs, Object[] inputs) {
        for (int o = 0; o < outputs.length; o += 2) {
            Object out = outputs[o + 1];
            if (out == null) {
                continue;
            }
            for (int p = o + 2; p < outputs.length; p += 2) {
                sameArray(out, (String) outputs[o], outputs[p + 1], (String) outputs[p]);
            }
            for (int i = 0; i < inputs.length; i += 2) {
                sameArray(out, (String) outputs[o], inputs[i + 1], (String) inputs[i]);
            }
        }
    }

    private static void sameArray(Object out, String outName, Object other, String otherName) {
        if (out == other) {
            throw new IllegalArgumentException(outName + " must not be the same array as " + otherName);
        }
    }

    /** Throws for the first non-finite element of {@code array}, naming its index. */
    static void finite(String name, float[] array) {
        IllegalArgumentException nonFinite = RowCheck.firstNonFinite(name, array, 0, array.length);
        if (nonFinite != null) {
            throw nonFinite;
        }
    }

    /** Finite rows with norms in range, see {@link ArgumentChecks#finiteRowsWithNorm}. */
    static void finiteRowsWithNorm(String name, float[] array, int dim) {
        ArgumentChecks.finiteRowsWithNorm(name, array, dim);
    }

    /** {@link #finiteRowsWithNorm}, returning the row norms it computed on the way. */
    static double[] finiteRowNorms(String name, float[] array, int dim) {
        return ArgumentChecks.finiteRowNorms(name, array, dim);
    }

    /** A logit scale s: in (0, {@link ScalePolicy#MAX_SCALE}] (a fixed {@link ScalePolicy} and an explicit scale). */
    static void scale(double scale) {
        if (!(scale > 0 && scale <= ScalePolicy.MAX_SCALE)) {
            throw new IllegalArgumentException("scale must be in (0, " + ScalePolicy.MAX_SCALE + "], got " + scale);
        }
    }

    /**
     * The cosine magnitude the layer-level margin methods accept, 2: a cosine lies in [-1, 1], and the slack admits
     * cosines computed elsewhere with rounding (the margins clamp them); beyond it the negative transforms, which are
     * linear in c, are not cosines of anything and could overflow.
     */
    static final double MAX_COSINE = 2;

    /** Finite cosines in [-{@link #MAX_COSINE}, {@link #MAX_COSINE}]; names the first bad element. */
    static void cosines(String name, float[] cosines) {
        finite(name, cosines);
        for (int i = 0; i < cosines.length; i++) {
            if (Math.abs(cosines[i]) > MAX_COSINE) {
                throw new IllegalArgumentException(name + "[" + i + "] must be a cosine in [-2, 2], got " + cosines[i]);
            }
        }
    }

    /**
     * Finite values whose logits s f stay within {@link #MAX_LOGIT} in magnitude, in one pass; names the first bad
     * element.
     */
    static void finiteLogits(String name, float[] margined, double scale) {
        finite(name, margined);
        double bound = MAX_LOGIT / scale;
        for (int i = 0; i < margined.length; i++) {
            if (Math.abs(margined[i]) > bound) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + margined[i] + " gives the logit scale * "
                        + name + " = " + scale * margined[i] + ", beyond +-" + MAX_LOGIT
                        + " (2^100, the largest logit the softmax accepts)");
            }
        }
    }

    static void labels(int[] labels, int classes, int ignoreLabel) {
        ArgumentChecks.labels(labels, classes, ignoreLabel);
    }

    /** Norms as {@link org.marginkernels.Backend#l2Normalize} reports them: in [MIN_NORM, MAX_NORM]. */
    static void positiveNorms(String name, float[] norms) {
        for (int i = 0; i < norms.length; i++) {
            if (!(norms[i] >= RowCheck.MIN_NORM && norms[i] <= RowCheck.MAX_NORM)) {
                throw new IllegalArgumentException(name + "[" + i + "] must be a norm in [" + RowCheck.MIN_NORM + ", "
                        + RowCheck.MAX_NORM + "], got " + norms[i]);
            }
        }
    }
}
