package org.marginkernels;

import java.util.OptionalDouble;

/**
 * How the scale s of the logits z = s f is chosen. A fixed s is the usual choice (64 in ArcFace); AdaCos chooses it
 * from the class count or, dynamically, from the current batch.
 */
public sealed interface ScalePolicy {

    /**
     * The largest scale any policy uses, 10^6 (ArcFace uses 64): every backend then computes finitely for every
     * accepted input. The logits s f, their gradients (at most s |f'| / |x| with |f'| bounded by the clamp and
     * |x| &gt;= 1e-15) and the dynamic AdaCos scale (clamped to it) stay many orders inside the float range.
     */
    double MAX_SCALE = 1e6;

    /** A constant scale, in (0, {@link #MAX_SCALE}]. */
    record Fixed(double scale) implements ScalePolicy {
        public Fixed {
            Checks.scale(scale);
        }
    }

    /**
     * Fixed AdaCos (Zhang et al., "AdaCos: Adaptively Scaling Cosine Logits", CVPR 2019, eq. 13):
     * s = sqrt(2) log(C - 1), from the class count C alone; needs C &gt;= 3.
     */
    record AdaCosFixed() implements ScalePolicy {
    }

    /**
     * Dynamic AdaCos (Zhang et al., CVPR 2019, eq. 16 and Algorithm 1): before each step,
     * s = log(B_avg) / cos(min(pi/4, theta_med)), where B_avg is the batch average of the sum over NON-target classes
     * of exp(s_prev c) (evaluated as a log-sum-exp so it cannot overflow) and theta_med is the median target angle
     * (the lower median for an even count, as torch.median takes). s is a constant for the backward pass.
     *
     * <p>The scale of the previous step is state: {@link Backend#step} carries it in the {@link LossState} from step
     * to step. {@code previousScale} is where the first step starts: empty for the fixed AdaCos scale
     * sqrt(2) log(C - 1). If B_avg &lt;= 1 (log would not be positive) the previous scale is kept; a scale above
     * {@link #MAX_SCALE} is clamped to it.
     */
    record AdaCosDynamic(OptionalDouble previousScale) implements ScalePolicy {
        public AdaCosDynamic {
            java.util.Objects.requireNonNull(previousScale, "previousScale");
            if (previousScale.isPresent() && !(previousScale.getAsDouble() > 0
                    && previousScale.getAsDouble() <= MAX_SCALE)) {
                throw new IllegalArgumentException("previousScale must be in (0, " + MAX_SCALE + "], got "
                        + previousScale.getAsDouble());
            }
        }

        /** Dynamic AdaCos whose first step starts from {@code previousScale}, in (0, {@link #MAX_SCALE}]. */
        public AdaCosDynamic(double previousScale) {
            this(OptionalDouble.of(previousScale));
        }
    }

    /** The fixed scale s. */
    static ScalePolicy fixed(double scale) {
        return new Fixed(scale);
    }

    /** The fixed AdaCos scale sqrt(2) log(C - 1). */
    static ScalePolicy adaCosFixed() {
        return new AdaCosFixed();
    }

    /** Dynamic AdaCos starting from the fixed AdaCos scale. */
    static ScalePolicy adaCosDynamic() {
        return new AdaCosDynamic(OptionalDouble.empty());
    }

    /** The fixed AdaCos scale for {@code classes} classes. */
    static double adaCosFixedScale(int classes) {
        return Math.sqrt(2) * Math.log(classes - 1);
    }
}
