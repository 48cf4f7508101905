package org.marginkernels.crossbackend;

/** The reliability reproductions, the fuzz test and the shared-backend test on "opencl". */
@BackendUnderTest("opencl")
class OpenClReliabilityProperties extends ReliabilityContract {
}
