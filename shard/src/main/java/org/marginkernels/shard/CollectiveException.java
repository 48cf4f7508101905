package org.marginkernels.shard;

import java.util.ArrayList;
import java.util.List;

/**
 * A collective call that could not complete: a rank did not contribute within the timeout, left the group, or the
 * group was closed. The message names the call, this rank and the missing ranks; the step that made the call must
 * not be applied.
 */
public final class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<Integer> missingRanks;

    /**
     * @param message what failed, naming the call and the ranks
     * @param missingRanks the ranks whose contribution did not arrive (empty when unknown)
     */
    public CollectiveException(String message, List<Integer> missingRanks) {
        super(message);
        this.missingRanks = List.copyOf(missingRanks);
    }

    /** The ranks whose contribution did not arrive, ascending. */
    public List<Integer> missingRanks() {
        return missingRanks;
    }

    /** The ranks whose contribution, {@code contributions[rank]}, is still null: the missing ranks of a call. */
    static List<Integer> missing(Object[] contributions) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < contributions.length; r++) {
            if (contributions[r] == null) {
                missing.add(r);
            }
        }
        return missing;
    }
}
