package org.marginkernels.cpu;

import jdk.incubator.vector.FloatVector;

/** A kernel-spec expression compiled to lane-wise vector code: f(c, fy) on whole vectors. */
@FunctionalInterface
interface PanamaExpr {

    /** Evaluates the expression lane by lane with slot 0 = {@code c} and slot 1 = {@code fy}. */
    FloatVector apply(FloatVector c, FloatVector fy);
}
