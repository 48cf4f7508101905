package org.marginkernels.crossbackend;

/** "cuda": skipped, with the reason, where libcuda or a CUDA device is absent (every CI machine). */
@BackendUnderTest("cuda")
class CudaAgreementProperties extends BackendAgreementContract {
}
