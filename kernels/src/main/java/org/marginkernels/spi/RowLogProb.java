package org.marginkernels.spi;

/**
 * log p_y of one softmax row, in double, from the target logit relative to the row max and the sum of the NON-target
 * exponentials. Every backend finishes its rows with it, so a row whose p_y is within 1e-15 of 1 keeps the digits
 * of its (tiny) loss and of 1 - p_y, which z_y - logsumexp(z) cancels away.
 */
public final class RowLogProb {

    private RowLogProb() {
    }

    /**
     * lp = log(e^d / (e^d + S)) with d = z_y - m &lt;= 0 (m the row max) and S = sum_{j != y} e^(z_j - m). Written as
     * -log1p(S e^-d) it keeps full precision when p_y is near 1 (S e^-d tiny); for d &lt; -30 the target is
     * negligible beside S &gt;= 1 and d - log(e^d + S) cannot overflow.
     */
    public static double of(double d, double nonTargetSum) {
        return d > -30 ? -Math.log1p(nonTargetSum * Math.exp(-d)) : d - Math.log(Math.exp(d) + nonTargetSum);
    }

    /**
     * log(e^d + S), the row's log-sum-exp less its max m, with d and S as in {@link #of}: add m to it for the
     * log-sum-exp itself. In [0, log C] for any d &lt;= 0 and 1 &lt;= e^d + S &lt;= C, so m + it keeps the digits of
     * lse where z_y - lp would cancel them (z_y of 1e21 against an lse near 0).
     */
    public static double shiftedLogSumExp(double d, double nonTargetSum) {
        return Math.log(Math.exp(d) + nonTargetSum);
    }

    /**
     * log(e^zy + e^nt), the whole row's log-sum-exp from the target logit and the non-target log-sum-exp
     * (-infinity when there are none), as backends that merge per-tile partials have them; shifted by the larger of
     * the two, so it never cancels as z_y - lp does.
     */
    public static double logSumExp(double zy, double nonTargetLogSumExp) {
        double m = Math.max(zy, nonTargetLogSumExp);
        return m + shiftedLogSumExp(zy - m, Math.exp(nonTargetLogSumExp - m));
    }

    /**
     * {@link #of} from the target logit z_y and the log-sum-exp of the non-target logits (-infinity when there are
     * none), as backends that merge per-tile partials have them: both are shifted by their max first.
     */
    public static double ofLogSumExp(double zy, double nonTargetLogSumExp) {
        double m = Math.max(zy, nonTargetLogSumExp);
        return of(zy - m, Math.exp(nonTargetLogSumExp - m));
    }
}
