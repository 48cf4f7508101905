package org.marginkernels;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * The state rule of dynamic AdaCos (Zhang et al., CVPR 2019, Algorithm 1): the state holds the scale of the previous
 * step, which this step's B_avg is evaluated with; the first step starts from the fixed AdaCos scale
 * sqrt(2) log(C - 1) (or the policy's own previous scale), and each step's result scale becomes the next step's
 * previous scale.
 */
final class AdaCosState implements StateRule {

    /** The state entry: the previous step's scale. */
    static final String PREVIOUS_SCALE = "adacos.previous-scale";

    private final OptionalDouble start;

    /** @param start the previous scale of the first step, or empty for the fixed AdaCos scale of the class count */
    AdaCosState(OptionalDouble start) {
        this.start = start;
    }

    @Override
    public LossState beforeStep(LossState previous, BatchStatistics batch) {
        if (previous.values().containsKey(PREVIOUS_SCALE)) {
            return previous;
        }
        return previous.with(PREVIOUS_SCALE, start.orElse(ScalePolicy.adaCosFixedScale(batch.classes())));
    }

    @Override
    public Map<String, Double> parameters(LossState state) {
        return state.values().containsKey(PREVIOUS_SCALE) ? Map.of(PREVIOUS_SCALE, state.get(PREVIOUS_SCALE, 0))
                : Map.of();
    }

    @Override
    public LossState afterStep(LossState used, LossResult result) {
        // a batch of no counted row leaves the scale where it was (AdaCosScale.compute keeps it)
        return used.with(PREVIOUS_SCALE, result.scale());
    }
}
