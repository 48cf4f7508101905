package org.marginkernels.crossbackend;

/** "cpu" at its preferred vector width and all processors. */
@BackendUnderTest("cpu")
class CpuAgreementProperties extends BackendAgreementContract {
}
