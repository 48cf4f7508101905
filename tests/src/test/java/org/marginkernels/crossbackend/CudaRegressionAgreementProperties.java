package org.marginkernels.crossbackend;

/** Regression losses on "cuda" against the reference. */
@BackendUnderTest("cuda")
class CudaRegressionAgreementProperties extends RegressionAgreementContract {
}
