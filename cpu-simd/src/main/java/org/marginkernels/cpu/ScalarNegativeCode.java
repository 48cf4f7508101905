package org.marginkernels.cpu;

import org.marginkernels.spec.KernelSpec;

/** A negative transform for the scalar kernels: the spec's double-precision evaluators. */
record ScalarNegativeCode(KernelSpec spec) implements NegativeCode {
}
