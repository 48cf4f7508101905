package org.marginkernels.examples;

/**
 * Linear warm-up from base / warmupSteps to base, then cosine decay to 0 (Loshchilov and Hutter, "SGDR", ICLR 2017,
 * eq. 5 without restarts; Goyal et al., "Accurate, Large Minibatch SGD", 2017, section 2.2 for the warm-up).
 *
 * @param base the peak learning rate
 * @param warmupSteps steps of linear warm-up, &gt;= 0
 * @param totalSteps all steps of the run, &gt; warmupSteps
 */
public record LearningRateSchedule(double base, int warmupSteps, int totalSteps) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("need 0 <= warmupSteps < totalSteps, got " + warmupSteps + " and "
                    + totalSteps);
        }
    }

    /** lr(step) = base (step + 1) / warmup during warm-up, else base (1 + cos(pi progress)) / 2. */
    public double at(int step) {
        if (step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
}
