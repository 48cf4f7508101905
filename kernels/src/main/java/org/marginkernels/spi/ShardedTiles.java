package org.marginkernels.spi;

/**
 * A shard's {@link FusedPlan.Tiles} seen as the tiles of all classes: each per-row result of the local tiles is
 * merged with the other shards' at the point the plan reads it, so the one {@link FusedPlan} runs unchanged and every
 * shard computes the same per-row coefficients from the same merged values (Partial FC, An et al. 2021, eq. 2-3:
 * the softmax denominator is the sum of per-shard sums). Merges fold the shards in rank order, so every shard and
 * every run get the same bits. Backward stays local: the shard's dW rows, and its share of dX, which the caller
 * sums over the shards; the per-row norm path is added by one shard only ({@link ClassShard#addsRowTerms()}).
 */
public final class ShardedTiles implements FusedPlan.Tiles {

    private final FusedPlan.Tiles local;
    private final ClassShard shard;
    private final int[] labels;
    private final int ignore;
    private final int localClasses;
    private double[] mergedMax;

    /**
     * @param local the tiles over this shard's classes, reading {@link ClassShard#localLabels local labels}
     * @param shard this shard. Not modified.
     * @param labels the global labels. Not modified.
     * @param ignore the loss's ignore label
     * @param localClasses the classes this shard owns
     */
    public ShardedTiles(FusedPlan.Tiles local, ClassShard shard, int[] labels, int ignore, int localClasses) {
        this.local = local;
        this.shard = shard;
        this.labels = labels;
        this.ignore = ignore;
        this.localClasses = localClasses;
    }

    @Override
    public float[] targetCosines() {
        // the owner's cosine, bit for bit: every other shard offers -infinity to the max
        float[] mine = local.targetCosines();
        double[] offer = new double[labels.length];
        for (int i = 0; i < offer.length; i++) {
            offer[i] = labels[i] != ignore && shard.owns(labels[i], localClasses) ? mine[i] : Double.NEGATIVE_INFINITY;
        }
        double[] max = shard.exchange().max(offer);
        float[] cy = new float[max.length];
        for (int i = 0; i < cy.length; i++) {
            cy[i] = labels[i] == ignore ? 0f : (float) max[i];
        }
        return cy;
    }

    @Override
    public double[] featureNorms() {
        return local.featureNorms();
    }

    @Override
    public double[] nonTargetLogSumExp(float s, float[] fy) {
        int batch = labels.length;
        double[] lse = local.nonTargetLogSumExp(s, fy);
        // one exchange carries the row maxima too, which the plan reads next (for the pass with f_y)
        double[] offer = new double[fy == null ? batch : 2 * batch];
        System.arraycopy(lse, 0, offer, 0, batch);
        if (fy != null) {
            System.arraycopy(local.nonTargetMax(), 0, offer, batch, batch);
        }
        double[][] all = shard.exchange().allGather(offer);
        mergedMax = fy == null ? null : RowExchange.max(all, batch, batch);
        double[] merged = new double[batch];
        for (int i = 0; i < batch; i++) {
            merged[i] = logSumExp(all, i);
        }
        return merged;
    }

    @Override
    public double[] nonTargetMax() {
        if (mergedMax == null) {
            throw new IllegalStateException("nonTargetMax before a nonTargetLogSumExp pass with f_y");
        }
        return mergedMax;
    }

    @Override
    public double[] nonTargetSums(float[] fy) {
        return shard.exchange().sum(local.nonTargetSums(fy));
    }

    @Override
    public double[] targetPathSums(FusedPlan.Rows rows) {
        return shard.exchange().sum(local.targetPathSums(rows));
    }

    @Override
    public void backward(FusedPlan.Rows rows, float[] targetGrad, double[] normGrad) {
        // null is "no row terms" (FusedPlan.Tiles#backward): only the shard that adds them passes normGrad on
        local.backward(rows, targetGrad, shard.addsRowTerms() ? normGrad : null);
    }

    /** log sum_r exp(lse_r) of row i over the shards, in rank order; -infinity when every shard has -infinity. */
    private static double logSumExp(double[][] all, int i) {
        double max = Double.NEGATIVE_INFINITY;
        for (double[] part : all) {
            max = Math.max(max, part[i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double[] part : all) {
            sum += Math.exp(part[i] - max);
        }
        return max + Math.log(sum);
    }

}
