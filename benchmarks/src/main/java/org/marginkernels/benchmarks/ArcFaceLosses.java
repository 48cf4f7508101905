package org.marginkernels.benchmarks;

import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/** The loss every benchmark times: ArcFace with m = 0.5 and s = 64, the paper's setting (Deng et al., CVPR 2019). */
final class ArcFaceLosses {

    /** The additive angular margin m in radians. */
    static final double MARGIN = 0.5;

    /** The fixed scale s. */
    static final double SCALE = 64;

    private ArcFaceLosses() {
    }

    /** ArcFace(m = 0.5), s = 64, mean cross-entropy. */
    static MarginSoftmax arcFace() {
        return MarginSoftmax.builder().margin(Margins.arcFace(MARGIN)).scale(SCALE).build();
    }
}
