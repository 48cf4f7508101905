package org.marginkernels.crossbackend;

/** Regression losses on "cpu" with 128-bit vectors (4 lanes: other tails) against the reference. */
@BackendUnderTest(value = "cpu", vectorBits = 128, threads = 1)
class Cpu128BitRegressionAgreementProperties extends RegressionAgreementContract {
}
