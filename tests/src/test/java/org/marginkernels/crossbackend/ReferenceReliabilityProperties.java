package org.marginkernels.crossbackend;

/** The reliability reproductions, the fuzz test and the shared-backend test on "reference". */
@BackendUnderTest("reference")
class ReferenceReliabilityProperties extends ReliabilityContract {
}
