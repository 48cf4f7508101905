package org.marginkernels.examples;

/**
 * What a training run measured.
 *
 * @param backend the name of the backend that ran the margin head
 * @param lossName the loss, as MarginSoftmax prints it
 * @param stepLosses the loss of every step, in order
 * @param epochLosses the mean step loss of each epoch
 * @param epochTrainAccuracy the fraction of training samples whose nearest class weight was their own, per epoch
 *        (measured on every 4th batch, before that batch's update)
 * @param verification 10-fold verification accuracy on pairs of held-out classes
 * @param tarAtFar the true accept rate at each false accept rate of {@link #FARS}, NaN when too few impostor pairs
 * @param identification 1:N identification on the held-out classes
 * @param closedSetAccuracy top-1 accuracy of the nearest class weight on held-out samples of training classes
 * @param genuineScores cosine of every genuine verification pair
 * @param impostorScores cosine of every impostor verification pair
 * @param headSteps forwardBackward calls of the margin head
 * @param headNanos time spent inside those calls
 * @param warmHeadSteps the calls after the first epoch (0 for a one-epoch run)
 * @param warmHeadNanos the time inside those calls: the steady state, without JIT and device warm-up
 * @param headFlops 6 B C D summed over those calls (2 B C D each for the cosine logits, dX and dW products)
 * @param trainSamples samples trained on, all epochs
 * @param trainNanos wall time of the training loop (all epochs, without evaluation)
 */
public record TrainingReport(String backend, String lossName, float[] stepLosses, double[] epochLosses,
        double[] epochTrainAccuracy, VerificationMetrics.FoldAccuracy verification, double[] tarAtFar,
        Identification identification,
        double closedSetAccuracy, float[] genuineScores, float[] impostorScores, long headSteps, long headNanos,
        long warmHeadSteps, long warmHeadNanos, double headFlops, long trainSamples, long trainNanos) {

    /** The false accept rates TAR is reported at. */
    static final double[] FARS = {1e-3, 1e-4};

    /** Milliseconds per margin-head step. */
    public double headMillisPerStep() {
        return headSteps == 0 ? 0 : headNanos / 1e6 / headSteps;
    }

    /** Milliseconds per margin-head step after the first epoch, NaN for a one-epoch run. */
    public double warmHeadMillisPerStep() {
        return warmHeadSteps == 0 ? Double.NaN : warmHeadNanos / 1e6 / warmHeadSteps;
    }

    /** Margin-head throughput in GFLOP/s after the first epoch, NaN for a one-epoch run. */
    public double warmHeadGflops() {
        return warmHeadSteps == 0 ? Double.NaN : headFlops / headSteps * warmHeadSteps / warmHeadNanos;
    }

    /** Margin-head throughput in GFLOP/s, counting 6 B C D per step. */
    public double headGflops() {
        return headNanos == 0 ? 0 : headFlops / headNanos;
    }

    /** Training samples per second over the whole training loop. */
    public double samplesPerSecond() {
        return trainNanos == 0 ? 0 : trainSamples * 1e9 / trainNanos;
    }
}
