package org.marginkernels.shard;

/** How {@link Collectives#allReduce} combines the ranks' values, always folded in rank order. */
public enum ReduceOp {
    /** a_0 + a_1 + ... + a_(P-1), left to right. */
    SUM,
    /** The largest value. */
    MAX
}
