package org.marginkernels.crossbackend;

/** Regression losses on "cpu" against the reference. */
@BackendUnderTest("cpu")
class CpuRegressionAgreementProperties extends RegressionAgreementContract {
}
