package org.marginkernels.spi;

import java.util.Objects;

/**
 * One worker's slice of the classes in a class-sharded (model-parallel) loss: it owns classes
 * [first, first + its weight rows) of {@code classes} in all, and merges the fused plan's per-row partials with the
 * other shards through {@code exchange} (An et al., "Partial FC", ICCVW 2021, section 3.1: each GPU holds a slice
 * of W; only the batch and per-row values cross).
 *
 * @param first the first (global) class this shard owns, &gt;= 0
 * @param classes the class count of all shards together, &gt; first
 * @param exchange the all-gather of per-row arrays among the shards
 */
public record ClassShard(int first, int classes, RowExchange exchange) {

    public ClassShard {
        if (first < 0 || classes <= first) {
            throw new IllegalArgumentException("ClassShard first must be in [0, classes) with classes = " + classes
                    + ", got first=" + first);
        }
        Objects.requireNonNull(exchange, "exchange");
    }

    /** The unsharded case: one shard of every class, nothing to exchange. */
    public static ClassShard whole(int classes) {
        return new ClassShard(0, classes, local -> new double[][] {local.clone()});
    }

    /**
     * Whether this shard adds the terms that belong to a row rather than to a class (the feature-norm path of
     * dL/dx): exactly one shard must, and it is the one that owns class 0.
     */
    public boolean addsRowTerms() {
        return first == 0;
    }

    /**
     * The labels the shard's tiles read: a global label y in [first, first + localClasses) becomes y - first, the
     * ignore label stays, and any other label becomes {@code localClasses}, a class past the shard's last, so that
     * every class of the shard is a non-target of that row and no tile holds its target.
     *
     * @param labels global labels. Not modified.
     * @param localClasses the classes this shard owns
     * @param ignore the loss's ignore label (negative)
     */
    public int[] localLabels(int[] labels, int localClasses, int ignore) {
        int[] local = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            local[i] = y == ignore ? ignore : owns(y, localClasses) ? y - first : localClasses;
        }
        return local;
    }

    /** Whether global class {@code y} is one of this shard's {@code localClasses}. */
    public boolean owns(int y, int localClasses) {
        return y >= first && y - first < localClasses;
    }
}
