package org.marginkernels.spi;

/**
 * The check that a matrix row can be normalized: every element finite and the L2 norm, from the double sum of
 * squares of {@link #sumOfSquares}, in [{@link #MIN_NORM}, {@link #MAX_NORM}]. The facade runs it on its inputs; a
 * backend that computes every weight row's sum of squares in its own pass anyway may run it there instead (see
 * {@link KernelBackend#checksWeightRows()}) and throw the same exception, which this class builds, so the message
 * does not depend on who checked. Such a backend decides a row whose own sum lies within {@link #BOUNDARY_SLACK}
 * (relative) of either bound by {@link #sumOfSquares}, so that every backend accepts exactly the same rows.
 */
public final class RowCheck {

    /** The smallest accepted row norm: below it 1/|x| and float squares lose all precision. */
    public static final double MIN_NORM = 1e-15;

    /**
     * The largest accepted row norm, 2^126: the norm is then a float and its inverse a normal float (&gt;= 2^-126),
     * so a float backend can scale a row by it without losing digits to subnormals. Any finite element is accepted
     * as long as the row's norm stays below this bound.
     */
    public static final double MAX_NORM = 0x1p126;

    /**
     * Relative distance from a bound within which a backend that sums squares its own way (in float, or in another
     * order) must decide by {@link #sumOfSquares} instead: a float sum of D squares is within D 2^-24 of the exact
     * sum, far inside this for any dim an array can hold.
     */
    public static final double BOUNDARY_SLACK = 1e-2;

    private RowCheck() {
    }

    /**
     * The sum of squares of array[from, from + length) in double: each square is exact in double (a float has 24
     * significant bits) and cannot overflow it, and the summation order is fixed (four interleaved sums, then
     * (s0 + s1) + (s2 + s3)), so every caller gets the same bits.
     */
    public static double sumOfSquares(float[] array, int from, int length) {
        // four independent sums: one double-add chain would make the facade's check cost a third of a forward pass
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = from;
        int end = from + length;
        for (; k + 4 <= end; k += 4) {
            s0 += (double) array[k] * array[k];
            s1 += (double) array[k + 1] * array[k + 1];
            s2 += (double) array[k + 2] * array[k + 2];
            s3 += (double) array[k + 3] * array[k + 3];
        }
        for (; k < end; k++) {
            s0 += (double) array[k] * array[k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Whether a row with this sum of squares passes: a NaN or infinite element makes the sum non-finite (squares of
     * finite floats cannot overflow a double), and the norm must lie in [{@link #MIN_NORM}, {@link #MAX_NORM}].
     */
    public static boolean passes(double sumOfSquares) {
        if (!Double.isFinite(sumOfSquares)) {
            return false;
        }
        double norm = Math.sqrt(sumOfSquares);
        return norm >= MIN_NORM && norm <= MAX_NORM;
    }

    /**
     * Whether a sum of squares computed some other way is close enough to a bound that the row must be decided by
     * {@link #sumOfSquares} ({@link #BOUNDARY_SLACK}); also true for a non-finite or overflowed sum.
     */
    public static boolean nearBound(double sumOfSquares) {
        if (!Double.isFinite(sumOfSquares)) {
            return true;
        }
        double lo = MIN_NORM * MIN_NORM;
        double hi = MAX_NORM * MAX_NORM;
        return Math.abs(sumOfSquares - lo) <= BOUNDARY_SLACK * lo || Math.abs(sumOfSquares - hi) <= BOUNDARY_SLACK * hi;
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
        return failure(name, array, row * dim, dim, row, sumOfSquares);
    }

    /**
     * {@link #failure(String, float[], int, int, double)} for a row held at array[from, from + dim) of a copy, such
     * as one row staged from an off-heap matrix: indices are reported as row * dim + k, those of the whole matrix.
     *
     * @param row the failing row's index in the whole matrix (a long: an off-heap matrix may hold more than 2^31
     *     floats)
     */
    public static IllegalArgumentException failure(String name, float[] array, int from, int dim, long row,
            double sumOfSquares) {
        for (int k = 0; k < dim; k++) {
            if (!Float.isFinite(array[from + k])) {
                return new IllegalArgumentException(name + " must be finite, got " + array[from + k] + " at index "
                        + (row * dim + k));
            }
        }
        double norm = Math.sqrt(sumOfSquares);
        if (norm > MAX_NORM) {
            return new IllegalArgumentException(name + " row " + row + " has norm " + norm + " > " + MAX_NORM
                    + " (2^126, the largest norm whose inverse is a normal float); scale the row down");
        }
        return new IllegalArgumentException(name + " row " + row + " has zero norm (" + norm + " < " + MIN_NORM
                + "); cannot normalize it");
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
