package org.marginkernels.crossbackend;

import org.marginkernels.BackendOptions;

/** "cpu" forced to 128-bit vectors and one thread: the narrow-SIMD path and the serial schedule. */
class Cpu128BitSingleThreadAgreementProperties extends BackendAgreementContract {

    @Override
    String backendName() {
        return "cpu";
    }

    @Override
    BackendOptions options() {
        return BackendOptions.defaults().withVectorBits(128).withThreads(1);
    }
}
