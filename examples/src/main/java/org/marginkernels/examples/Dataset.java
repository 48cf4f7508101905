package org.marginkernels.examples;

import java.util.Arrays;

/**
 * Labelled input vectors held row-major in one float array: sample i is {@code inputs[i*dim .. (i+1)*dim)}.
 *
 * @param name a short description for progress lines
 * @param inputs samples x dim values
 * @param labels one class per sample, in [0, classes)
 * @param dim values per sample
 * @param classes the number of classes labels are drawn from
 */
public record Dataset(String name, float[] inputs, int[] labels, int dim, int classes) {

    public Dataset {
        if (dim <= 0) {
            throw new IllegalArgumentException("dim must be > 0, got " + dim);
        }
        if (inputs.length != labels.length * dim) {
            throw new IllegalArgumentException("inputs must have labels.length x dim = " + labels.length + " x " + dim
                    + " values, got " + inputs.length);
        }
        for (int label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("labels must be in [0, " + classes + "), got " + label);
            }
        }
    }

    /** The number of samples. */
    public int size() {
        return labels.length;
    }

    /**
     * The samples at {@code rows}, in that order, with labels renumbered by {@code labelMap} (old label -> new).
     *
     * @param rows sample indices. Not modified.
     * @param labelMap the new label of each old label, or null to keep labels. Not modified.
     * @param newClasses the class count of the result
     */
    public Dataset select(String newName, int[] rows, int[] labelMap, int newClasses) {
        float[] x = new float[rows.length * dim];
        int[] y = new int[rows.length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(inputs, rows[r] * dim, x, r * dim, dim);
            y[r] = labelMap == null ? labels[rows[r]] : labelMap[labels[rows[r]]];
        }
        return new Dataset(newName, x, y, dim, newClasses);
    }

    /** The samples of this set followed by those of {@code other} (same dim and classes). */
    public Dataset concat(String newName, Dataset other) {
        if (other.dim != dim || other.classes != classes) {
            throw new IllegalArgumentException("datasets differ: dim " + dim + "!=" + other.dim + " or classes "
                    + classes + "!=" + other.classes);
        }
        float[] x = Arrays.copyOf(inputs, inputs.length + other.inputs.length);
        System.arraycopy(other.inputs, 0, x, inputs.length, other.inputs.length);
        int[] y = Arrays.copyOf(labels, labels.length + other.labels.length);
        System.arraycopy(other.labels, 0, y, labels.length, other.labels.length);
        return new Dataset(newName, x, y, dim, classes);
    }
}
