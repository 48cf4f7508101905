package org.marginkernels;

import org.marginkernels.spi.RowCheck;

/** Argument checks of the facade: each names the argument and what was expected, and none writes anything. */
final class Checks {

    private Checks() {
    }

    static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** Checks that {@code array} holds whole rows of {@code dim} floats and returns the row count. */
    static int rows(String name, float[] array, int dim) {
        notNull(name, array);
        if (array.length == 0 || array.length % dim != 0) {
            throw new IllegalArgumentException(name + " must hold a positive whole number of rows of dim=" + dim
                    + " floats, got length " + array.length);
        }
        return array.length / dim;
    }

    static void length(String name, float[] array, int expected, String what) {
        if (array != null && array.length != expected) {
            throw new IllegalArgumentException(name + " must have length " + expected + " (" + what + "), got "
                    + array.length);
        }
    }

    static void required(String name, float[] array, int expected, String what) {
        notNull(name, array);
        length(name, array, expected, what);
    }

    static void distinct(String outName, float[] out, String inName, float[] in) {
        if (out != null && out == in) {
            throw new IllegalArgumentException(outName + " must not be the same array as " + inName);
        }
    }

    /** Throws for the first non-finite element of {@code array}, naming its index. */
    static void finite(String name, float[] array) {
        IllegalArgumentException nonFinite = RowCheck.firstNonFinite(name, array, 0, array.length);
        if (nonFinite != null) {
            throw nonFinite;
        }
    }

    /**
     * Checks finiteness and that every row's L2 norm (accumulated in double) is at least {@link RowCheck#MIN_NORM},
     * in one pass ({@link RowCheck}): a NaN or infinity makes its row's sum of squares non-finite, and only then is
     * the row searched for it.
     */
    static void finiteRowsWithNorm(String name, float[] array, int dim) {
        for (int r = 0, rows = array.length / dim; r < rows; r++) {
            // four independent sums: one double-add chain would make this check cost a third of a forward pass
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            int k = r * dim;
            int end = k + dim;
            for (; k + 4 <= end; k += 4) {
                s0 += (double) array[k] * array[k];
                s1 += (double) array[k + 1] * array[k + 1];
                s2 += (double) array[k + 2] * array[k + 2];
                s3 += (double) array[k + 3] * array[k + 3];
            }
            for (; k < end; k++) {
                s0 += (double) array[k] * array[k];
            }
            double sum = (s0 + s1) + (s2 + s3);
            if (!RowCheck.passes(sum)) {
                throw RowCheck.failure(name, array, dim, r, sum);
            }
        }
    }

    /** A logit scale s: finite and &gt; 0 (a fixed {@link ScalePolicy} and an explicit scale argument alike). */
    static void scale(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
        }
    }

    static void labels(int[] labels, int classes, int ignoreLabel) {
        notNull("labels", labels);
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if ((y < 0 || y >= classes) && y != ignoreLabel) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classes + ") or the ignore label "
                        + ignoreLabel + ", got " + y);
            }
        }
    }

    static void positiveNorms(String name, float[] norms) {
        for (int i = 0; i < norms.length; i++) {
            if (!(norms[i] >= RowCheck.MIN_NORM) || !Float.isFinite(norms[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] must be a finite norm >= " + RowCheck.MIN_NORM
                        + ", got " + norms[i]);
            }
        }
    }
}
