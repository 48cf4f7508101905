package org.marginkernels.gpu;

import org.marginkernels.MarginSoftmax;
import org.marginkernels.ScalePolicy;
import org.marginkernels.spi.RowCheck;

/**
 * The checks {@link ResidentClassWeights} runs before anything is written, with the facade's messages
 * (IllegalArgumentException naming the argument): the same rules as Backend.forwardBackward, for arguments that do
 * not include the weights, which are checked when they are uploaded and on the device before every step.
 */
final class ResidentArguments {

    private ResidentArguments() {
    }

    static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** Rows of {@code array}: a positive whole number of rows of dim. */
    static int rows(String name, float[] array, int dim) {
        notNull(name, array);
        if (array.length == 0 || array.length % dim != 0) {
            throw new IllegalArgumentException(name + " must hold a positive whole number of rows of dim=" + dim
                    + " floats, got length " + array.length);
        }
        return array.length / dim;
    }

    /** Every row finite with an L2 norm in [1e-15, 2^126] ({@link RowCheck}); returns no norms, the device has them. */
    static void finiteRows(String name, float[] array, int dim) {
        for (int r = 0, rows = array.length / dim; r < rows; r++) {
            double sum = RowCheck.sumOfSquares(array, r * dim, dim);
            if (!RowCheck.passes(sum)) {
                throw RowCheck.failure(name, array, dim, r, sum);
            }
        }
    }

    /** Row norms of already checked rows, in double, as the facade computes them. */
    static double[] rowNorms(float[] array, int dim) {
        double[] norms = new double[array.length / dim];
        for (int r = 0; r < norms.length; r++) {
            norms[r] = Math.sqrt(RowCheck.sumOfSquares(array, r * dim, dim));
        }
        return norms;
    }

    /**
     * The per-step arguments of a resident step: the loss fits the resident rows, one label per feature row, labels
     * in range, finite feature rows, a gradient array of the features' shape that is not an input.
     *
     * @return the batch size
     */
    static int step(MarginSoftmax loss, float[] features, int[] labels, float[] featureGrad, int rows, int dim) {
        notNull("loss", loss);
        if (rows % loss.subCenters() != 0) {
            throw new IllegalArgumentException("loss has " + loss.subCenters() + " sub-centers per class, which must "
                    + "divide the " + rows + " resident weight rows");
        }
        int classes = rows / loss.subCenters();
        int batch = rows("features", features, dim);
        notNull("labels", labels);
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels must have one entry per features row: features has " + batch
                    + " rows of dim=" + dim + ", labels has " + labels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if ((y < 0 || y >= classes) && y != loss.ignoreLabel()) {
                throw new IllegalArgumentException("labels[" + i + "] must be in [0, " + classes
                        + ") or the ignore label " + loss.ignoreLabel() + ", got " + y);
            }
        }
        if (loss.sampleWeightRows() >= 0 && loss.sampleWeightRows() != batch) {
            throw new IllegalArgumentException("sampleWeights must have one entry per row: the batch has " + batch
                    + " rows, the loss's sample weights " + loss.sampleWeightRows());
        }
        if (loss.rowMarginRows() >= 0 && loss.rowMarginRows() != batch) {
            throw new IllegalArgumentException("rowMargins must have one entry per row: the batch has " + batch
                    + " rows, the loss's row margins " + loss.rowMarginRows());
        }
        if (!(loss.scalePolicy() instanceof ScalePolicy.Fixed) && classes < 3) {
            throw new IllegalArgumentException("classes must be >= 3 for an AdaCos scale (sqrt(2) log(C - 1) > 0), got "
                    + classes);
        }
        finiteRows("features", features, dim);
        if (featureGrad != null && featureGrad.length != features.length) {
            throw new IllegalArgumentException("featureGrad must have length " + features.length
                    + " (same shape as features), got " + featureGrad.length);
        }
        if (featureGrad != null && featureGrad == features) {
            throw new IllegalArgumentException("featureGrad must not be the same array as features");
        }
        return batch;
    }

    /** A finite hyper-parameter of at least 0 (a learning rate, momentum or weight decay). */
    static float nonNegative(String name, double value) {
        if (!(value >= 0 && value < Float.MAX_VALUE)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return (float) value;
    }
}
