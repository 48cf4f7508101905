package org.marginkernels.spi;

import org.marginkernels.MarginSoftmax;
import org.marginkernels.ScalePolicy;

/**
 * The argument checks of the facade ({@code Backend}) that a backend's own entry points (such as the GPU module's
 * resident class weights) run too, so that the same bad argument gets the same message whoever checks it. Each
 * throws an IllegalArgumentException naming the argument and what was expected, and none writes anything.
 */
public final class ArgumentChecks {

    private ArgumentChecks() {
    }

    /**
     * Returns {@code value}.
     *
     * @throws IllegalArgumentException when it is null
     */
    public static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /**
     * The row count of {@code array}, which must hold a positive whole number of rows of {@code dim} floats.
     *
     * @throws IllegalArgumentException when it is null, empty or not whole rows
     */
    public static int rows(String name, float[] array, int dim) {
        notNull(name, array);
        if (array.length == 0 || array.length % dim != 0) {
            throw new IllegalArgumentException(name + " must hold a positive whole number of rows of dim=" + dim
                    + " floats, got length " + array.length);
        }
        return array.length / dim;
    }

    /**
     * Checks that an optional {@code array} (null skips the check) has length {@code expected}, {@code what}
     * saying why.
     *
     * @throws IllegalArgumentException when it has another length
     */
    public static void length(String name, float[] array, int expected, String what) {
        if (array != null && array.length != expected) {
            throw new IllegalArgumentException(name + " must have length " + expected + " (" + what + "), got "
                    + array.length);
        }
    }

    /**
     * Checks that {@code labels} has one entry per row of the {@code batch} x {@code dim} features.
     *
     * @throws IllegalArgumentException when it is null or of another length
     */
    public static void labelsPerRow(int[] labels, int batch, int dim) {
        notNull("labels", labels);
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels must have one entry per features row: features has " + batch
                    + " rows of dim=" + dim + ", labels has " + labels.length);
        }
    }

    /**
     * Checks that every label is a class in [0, classes) or the ignore label.
     *
     * @throws IllegalArgumentException naming the first label that is neither, or when labels is null
     */
    public static void labels(int[] labels, int classes, int ignoreLabel) {
        notNull("labels", labels);
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if ((y < 0 || y >= classes) && y != ignoreLabel) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classes + ") or the ignore label "
                        + ignoreLabel + ", got " + y);
            }
        }
    }

    /**
     * Checks that the sample weights and row margins bound to the loss, where it has them, cover the batch, one per
     * row.
     *
     * @throws IllegalArgumentException when either has another row count
     */
    public static void lossFitsBatch(MarginSoftmax loss, int batch) {
        if (loss.sampleWeightRows() >= 0 && loss.sampleWeightRows() != batch) {
            throw new IllegalArgumentException("sampleWeights must have one entry per row: the batch has " + batch
                    + " rows, the loss's sample weights " + loss.sampleWeightRows());
        }
        if (loss.rowMarginRows() >= 0 && loss.rowMarginRows() != batch) {
            throw new IllegalArgumentException("rowMargins must have one entry per row: the batch has " + batch
                    + " rows, the loss's row margins " + loss.rowMarginRows());
        }
    }

    /**
     * Checks that the loss's scale policy works with {@code classes} classes: an AdaCos scale needs at least 3.
     *
     * @throws IllegalArgumentException when it does not
     */
    public static void scaleFitsClasses(MarginSoftmax loss, int classes) {
        if (!(loss.scalePolicy() instanceof ScalePolicy.Fixed) && classes < 3) {
            throw new IllegalArgumentException("classes must be >= 3 for an AdaCos scale (sqrt(2) log(C - 1) > 0), got "
                    + classes);
        }
    }

    /**
     * Checks finiteness and that every row's L2 norm (from {@link RowCheck#sumOfSquares}) lies in
     * [{@link RowCheck#MIN_NORM}, {@link RowCheck#MAX_NORM}], in one pass: a NaN or infinity makes its row's sum of
     * squares non-finite, and only then is the row searched for it.
     *
     * @throws IllegalArgumentException from {@link RowCheck#failure} for the first row that fails
     */
    public static void finiteRowsWithNorm(String name, float[] array, int dim) {
        checkRows(name, array, dim, null);
    }

    /**
     * {@link #finiteRowsWithNorm}, returning the row norms it computed on the way.
     *
     * @throws IllegalArgumentException from {@link RowCheck#failure} for the first row that fails
     */
    public static double[] finiteRowNorms(String name, float[] array, int dim) {
        double[] norms = new double[array.length / dim];
        checkRows(name, array, dim, norms);
        return norms;
    }

    private static void checkRows(String name, float[] array, int dim, double[] norms) {
        for (int r = 0, rows = array.length / dim; r < rows; r++) {
            double sum = RowCheck.sumOfSquares(array, r * dim, dim);
            if (!RowCheck.passes(sum)) {
                throw RowCheck.failure(name, array, dim, r, sum);
            }
            if (norms != null) {
                norms[r] = Math.sqrt(sum);
            }
        }
    }
}
