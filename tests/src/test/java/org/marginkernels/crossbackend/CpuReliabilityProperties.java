package org.marginkernels.crossbackend;

/** The reliability reproductions, the fuzz test and the shared-backend test on "cpu". */
@BackendUnderTest("cpu")
class CpuReliabilityProperties extends ReliabilityContract {
}
