package org.marginkernels.testing;

/**
 * A problem size: rows (batch B), row width (dim D) and classes C.
 *
 * @param batch rows, at least 1
 * @param dim values per row, at least 1
 * @param classes class count, at least 1
 */
public record Shape(int batch, int dim, int classes) {

    public Shape {
        if (batch < 1 || dim < 1 || classes < 1) {
            throw new IllegalArgumentException("batch, dim and classes must be >= 1, got " + batch + "x" + dim + "x"
                    + classes);
        }
    }

    @Override
    public String toString() {
        return batch + "x" + dim + "x" + classes;
    }
}
