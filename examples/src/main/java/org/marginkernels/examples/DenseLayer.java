package org.marginkernels.examples;

import java.util.List;
import java.util.SplittableRandom;

/** A fully connected layer y = x W + b with W stored input-major (in x out), He-initialized. */
public final class DenseLayer {

    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * He (Kaiming) normal initialization: W_ij ~ N(0, 2 / in), b = 0 (He et al., ICCV 2015, eq. 10).
     *
     * @param random the seeded source. Modified (advanced).
     */
    public DenseLayer(String name, int in, int out, SplittableRandom random) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("layer sizes must be > 0, got " + in + " x " + out);
        }
        this.in = in;
        this.out = out;
        float[] w = new float[in * out];
        double std = Math.sqrt(2.0 / in);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        this.weight = Parameter.of(name + ".weight", w, true);
        this.bias = Parameter.of(name + ".bias", new float[out], false);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** The weight (in x out) and bias (out). */
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    /**
     * y = x W + b.
     *
     * @param x rows x in. Not modified.
     * @param y receives rows x out. Modified.
     */
    public void forward(RowParallel par, float[] x, float[] y, int rows) {
        DenseKernels.forward(par, x, weight.value(), bias.value(), y, rows, in, out);
    }

    /**
     * Stores dL/dW = x^T dy and dL/db = sum_r dy_r in the parameters' gradients and, when dx is not null,
     * dL/dx = dy W^T masked where {@code x <= 0} if {@code reluInput} (x came out of a ReLU).
     *
     * @param x the forward input, rows x in. Not modified.
     * @param dy dL/dy, rows x out. Not modified.
     * @param dx receives dL/dx (rows x in), or null to skip. Modified.
     */
    public void backward(RowParallel par, float[] x, float[] dy, float[] dx, int rows, boolean reluInput) {
        DenseKernels.weightGradient(par, x, dy, weight.grad(), bias.grad(), rows, in, out);
        if (dx != null) {
            DenseKernels.inputGradient(par, dy, weight.value(), reluInput ? x : null, dx, rows, in, out);
        }
    }
}
