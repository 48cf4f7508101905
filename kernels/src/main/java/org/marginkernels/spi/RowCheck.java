package org.marginkernels.spi;

/**
 * The check that a matrix row can be normalized: every element finite and the L2 norm, from a double sum of
 * squares, at least {@link #MIN_NORM}. The facade runs it on its inputs; a backend that computes every weight row's
 * sum of squares in its own pass anyway may run it there instead (see {@link KernelBackend#checksWeightRows()}) and
 * throw the same exception, which this class builds, so the message does not depend on who checked.
 */
public final class RowCheck {

    /** The smallest accepted row norm: below it 1/|x| and float squares lose all precision. */
    public static final double MIN_NORM = 1e-15;

    private RowCheck() {
    }

    /**
     * Whether a row with this sum of squares passes: a NaN or infinite element makes the sum non-finite (squares of
     * finite floats cannot overflow a double), and the norm must reach {@link #MIN_NORM}.
     */
    public static boolean passes(double sumOfSquares) {
        return Double.isFinite(sumOfSquares) && Math.sqrt(sumOfSquares) >= MIN_NORM;
    }

    /**
     * The exception for a row that does not {@link #passes pass}: it names the first non-finite element's index, or
     * the row and its norm.
     *
     * @param name the argument's name, such as "weights"
     * @param array the matrix, row-major. Not modified.
     * @param dim the row length
     * @param row the failing row
     * @param sumOfSquares that row's sum of squares
     */
    public static IllegalArgumentException failure(String name, float[] array, int dim, int row,
            double sumOfSquares) {
        IllegalArgumentException nonFinite = firstNonFinite(name, array, row * dim, (row + 1) * dim);
        if (nonFinite != null) {
            return nonFinite;
        }
        return new IllegalArgumentException(name + " row " + row + " has zero norm (" + Math.sqrt(sumOfSquares)
                + " < " + MIN_NORM + "); cannot normalize it");
    }

    /**
     * The exception naming the first non-finite element of array[from, to) and its index, or null when all are
     * finite.
     */
    public static IllegalArgumentException firstNonFinite(String name, float[] array, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(array[i])) {
                return new IllegalArgumentException(name + " must be finite, got " + array[i] + " at index " + i);
            }
        }
        return null;
    }
}
