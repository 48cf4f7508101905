package org.marginkernels.crossbackend;

/** "cpu" at its preferred vector width and all processors. */
class CpuAgreementProperties extends BackendAgreementContract {

    @Override
    String backendName() {
        return "cpu";
    }
}
