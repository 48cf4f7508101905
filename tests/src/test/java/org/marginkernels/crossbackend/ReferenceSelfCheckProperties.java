package org.marginkernels.crossbackend;

/**
 * The contract run against the reference itself: every assertion must hold with zero error, so this run shows the
 * suite's checks are satisfiable and its shapes, thresholds and skips are wired (a contract that only ever skipped
 * would be caught here).
 */
@BackendUnderTest("reference")
class ReferenceSelfCheckProperties extends BackendAgreementContract {
}
