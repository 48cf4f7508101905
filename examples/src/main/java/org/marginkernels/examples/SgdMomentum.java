package org.marginkernels.examples;

import java.util.List;

/**
 * Stochastic gradient descent with momentum and L2 weight decay added to the gradient, as torch.optim.SGD computes
 * it: v = mu v + (g + lambda w); w = w - lr v.
 */
public final class SgdMomentum {

    private final double momentum;
    private final double weightDecay;

    /**
     * @param momentum mu, in [0, 1)
     * @param weightDecay lambda, &gt;= 0 (applied only to parameters that ask for it)
     */
    public SgdMomentum(double momentum, double weightDecay) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    /**
     * One update of every parameter from its current gradient: v = mu v + (g + lambda w); w = w - lr v.
     *
     * @param params the parameters. Modified (value and velocity).
     * @param lr the learning rate for this step, &gt;= 0
     */
    public void step(List<Parameter> params, double lr) {
        float mu = (float) momentum;
        float rate = (float) lr;
        for (Parameter p : params) {
            float lambda = p.decay() ? (float) weightDecay : 0f;
            float[] w = p.value();
            float[] g = p.grad();
            float[] v = p.velocity();
            for (int i = 0; i < w.length; i++) {
                v[i] = mu * v[i] + g[i] + lambda * w[i];
                w[i] -= rate * v[i];
            }
        }
    }
}
