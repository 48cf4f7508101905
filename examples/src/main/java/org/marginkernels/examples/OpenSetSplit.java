package org.marginkernels.examples;

/**
 * The open-set protocol of face recognition: the model trains on some classes, closed-set accuracy is measured on
 * unseen samples of those classes, and verification on pairs drawn only from classes it never saw.
 *
 * @param train samples of the training classes, labels renumbered to [0, trainClasses)
 * @param closedSetTest other samples of the training classes, same numbering
 * @param verification samples of the held-out classes (their own numbering, only equality matters)
 */
public record OpenSetSplit(Dataset train, Dataset closedSetTest, Dataset verification) {

    /**
     * Splits by class: the last {@code holdout} classes of both sets go to verification; the others keep their
     * train / test roles with labels unchanged.
     *
     * @param trainPart samples for training. Not modified.
     * @param testPart samples for closed-set testing (same classes). Not modified.
     * @param holdout how many classes (the highest labels) to hold out, in [1, classes - 3]
     */
    public static OpenSetSplit holdLastClasses(Dataset trainPart, Dataset testPart, int holdout) {
        int classes = trainPart.classes();
        if (holdout < 1 || holdout > classes - 3) {
            throw new IllegalArgumentException("holdout must be in [1, " + (classes - 3) + "] (at least 3 classes"
                    + " must remain for training), got " + holdout);
        }
        int kept = classes - holdout;
        int[] heldMap = new int[classes];
        for (int c = kept; c < classes; c++) {
            heldMap[c] = c - kept;
        }
        Dataset train = trainPart.select(trainPart.name() + " train", rowsBelow(trainPart, kept, true), null, kept);
        Dataset test = testPart.select(testPart.name() + " closed-set test", rowsBelow(testPart, kept, true), null,
                kept);
        Dataset heldTrain = trainPart.select("held", rowsBelow(trainPart, kept, false), heldMap, holdout);
        Dataset heldTest = testPart.select("held", rowsBelow(testPart, kept, false), heldMap, holdout);
        return new OpenSetSplit(train, test, heldTrain.concat(trainPart.name() + " held-out classes", heldTest));
    }

    private static int[] rowsBelow(Dataset d, int kept, boolean below) {
        int n = 0;
        for (int y : d.labels()) {
            n += (y < kept) == below ? 1 : 0;
        }
        int[] rows = new int[n];
        int k = 0;
        for (int i = 0; i < d.size(); i++) {
            if ((d.labels()[i] < kept) == below) {
                rows[k++] = i;
            }
        }
        return rows;
    }
}
