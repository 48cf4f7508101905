package org.marginkernels.benchmarks;

/**
 * A problem size of the margin loss: batch rows, embedding dimension and class count, written "BxDxC" in the
 * benchmarks' {@code shape} parameter (not with commas: JMH's {@code -p} splits values at commas).
 *
 * @param batch B, the feature rows
 * @param dim D, the embedding dimension
 * @param classes C, the class weight rows
 */
public record Shape(int batch, int dim, int classes) {

    public Shape {
        if (batch < 1 || dim < 1 || classes < 1) {
            throw new IllegalArgumentException("batch, dim and classes must be >= 1, got " + batch + "," + dim + ","
                    + classes);
        }
    }

    /**
     * Parses "BxDxC" or "BxDxC" (spaces and '_' digit separators allowed).
     *
     * @throws IllegalArgumentException unless the text is three positive integers separated by 'x' or ','
     */
    public static Shape parse(String text) {
        String[] parts = text.replace("_", "").split("[x,]");
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be \"BxDxC\" (batch x dim x classes), got \"" + text
                    + "\"");
        }
        try {
            return new Shape(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    Integer.parseInt(parts[2].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape must be \"BxDxC\" with integers, got \"" + text + "\"", e);
        }
    }

    /** Floating-point operations of the forward pass: one GEMM, 2 B C D (the elementwise work is not counted). */
    public double forwardFlops() {
        return 2.0 * batch * classes * dim;
    }

    /** Floating-point operations of forward and backward: three GEMMs (c = x^ w^T, dX = G W^, dW = G^T X^), 6 B C D. */
    public double forwardBackwardFlops() {
        return 6.0 * batch * classes * dim;
    }

    /** The logits matrix in bytes if it were materialized in float: 4 B C. */
    public long logitBytes() {
        return 4L * batch * classes;
    }

    @Override
    public String toString() {
        return batch + "x" + dim + "x" + classes;
    }
}
