package org.marginkernels.cpu;

import org.marginkernels.spec.RegressionSpec;

/** A regression loss for the scalar kernels: the spec's double-precision evaluators. */
record ScalarRegressionCode(RegressionSpec spec) implements RegressionCode {
}
