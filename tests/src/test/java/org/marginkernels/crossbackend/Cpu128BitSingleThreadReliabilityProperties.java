package org.marginkernels.crossbackend;

/** The reliability reproductions, the fuzz test and the shared-backend test on "cpu". */
@BackendUnderTest(value = "cpu", vectorBits = 128, threads = 1)
class Cpu128BitSingleThreadReliabilityProperties extends ReliabilityContract {
}
