package org.marginkernels.crossbackend;

/** "opencl": PoCL on this machine's CPU in CI; skipped, with the reason, where no OpenCL platform exists. */
@BackendUnderTest("opencl")
class OpenClAgreementProperties extends BackendAgreementContract {
}
