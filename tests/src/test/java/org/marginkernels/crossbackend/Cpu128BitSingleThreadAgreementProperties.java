package org.marginkernels.crossbackend;

/** "cpu" forced to 128-bit vectors and one thread: the narrow-SIMD path and the serial schedule. */
@BackendUnderTest(value = "cpu", vectorBits = 128, threads = 1)
class Cpu128BitSingleThreadAgreementProperties extends BackendAgreementContract {
}
