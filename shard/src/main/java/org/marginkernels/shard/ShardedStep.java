package org.marginkernels.shard;

import org.marginkernels.StepResult;

/**
 * One class-sharded step as a rank saw it: the loss (the same on every rank) and state, and where the time went.
 *
 * @param result the loss over all classes and the next state, identical on every rank
 * @param computeNanos wall time outside collective calls
 * @param communicationNanos wall time inside collective calls, waiting for slower ranks included
 * @param bytesOut bytes this rank sent to the other ranks
 * @param collectiveCalls collective calls of the step
 * @param batch the rows of the gathered batch
 */
public record ShardedStep(StepResult result, long computeNanos, long communicationNanos, long bytesOut,
        int collectiveCalls, int batch) {

    /** Communication as a fraction of the step's wall time. */
    public double communicationShare() {
        long total = computeNanos + communicationNanos;
        return total == 0 ? 0 : (double) communicationNanos / total;
    }
}
