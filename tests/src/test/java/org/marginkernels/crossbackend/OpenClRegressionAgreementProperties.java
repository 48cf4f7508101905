package org.marginkernels.crossbackend;

/** Regression losses on "opencl" against the reference. */
@BackendUnderTest("opencl")
class OpenClRegressionAgreementProperties extends RegressionAgreementContract {
}
