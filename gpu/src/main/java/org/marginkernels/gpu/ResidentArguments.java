package org.marginkernels.gpu;

import org.marginkernels.MarginSoftmax;
import org.marginkernels.spi.ArgumentChecks;

/**
 * The checks {@link ResidentClassWeights} runs before anything is written, with the facade's messages
 * (IllegalArgumentException naming the argument, from {@link ArgumentChecks}): the same rules as
 * Backend.forwardBackward, for arguments that do not include the weights, which are checked when they are uploaded
 * and on the device before every step. Only what is resident-specific is written here.
 */
final class ResidentArguments {

    private ResidentArguments() {
    }

    /**
     * The per-step arguments of a resident step: the loss fits the resident rows, one label per feature row, labels
     * in range, finite feature rows, a gradient array of the features' shape that is not an input.
     *
     * @return the feature rows' norms in double, as the facade computes them (the check computes them anyway)
     */
    static double[] step(MarginSoftmax loss, float[] features, int[] labels, float[] featureGrad, int rows, int dim) {
        ArgumentChecks.notNull("loss", loss);
        if (rows % loss.subCenters() != 0) {
            throw new IllegalArgumentException("loss has " + loss.subCenters() + " sub-centers per class, which must "
                    + "divide the " + rows + " resident weight rows");
        }
        int classes = rows / loss.subCenters();
        int batch = ArgumentChecks.rows("features", features, dim);
        ArgumentChecks.labelsPerRow(labels, batch, dim);
        ArgumentChecks.labels(labels, classes, loss.ignoreLabel());
        ArgumentChecks.lossFitsBatch(loss, batch);
        ArgumentChecks.scaleFitsClasses(loss, classes);
        double[] norms = ArgumentChecks.finiteRowNorms("features", features, dim);
        ArgumentChecks.length("featureGrad", featureGrad, features.length, "same shape as features");
        if (featureGrad != null && featureGrad == features) {
            throw new IllegalArgumentException("featureGrad must not be the same array as features");
        }
        return norms;
    }

    /** A finite hyper-parameter of at least 0 (a learning rate, momentum or weight decay). */
    static float nonNegative(String name, double value) {
        if (!(value >= 0 && value < Float.MAX_VALUE)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
        return (float) value;
    }
}
