package org.marginkernels.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multilayer perceptron from input vectors to embeddings: dense layers with ReLU between them and none after the
 * last, so the embedding can point anywhere (the margin loss normalizes it). Keeps the activations of the last
 * {@link #forward} for {@link #backward}; not thread-safe.
 */
public final class Mlp {

    private final List<DenseLayer> layers = new ArrayList<>();
    private final RowParallel par;
    // activations[0] is the input; activations[l + 1] the output of layer l (after ReLU except for the last)
    private final float[][] activations;
    private final float[][] gradients;
    private int rows = -1;

    /**
     * He-initialized layers of the given widths, e.g. {784, 256, 128}.
     *
     * @param sizes input width, hidden widths, embedding width (at least two entries, all &gt; 0). Not modified.
     * @param seed the seed of the initialization
     * @param par runs the row loops; owned by the caller
     */
    public Mlp(int[] sizes, long seed, RowParallel par) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("sizes needs an input and an output width, got "
                    + Arrays.toString(sizes));
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l + 1 < sizes.length; l++) {
            layers.add(new DenseLayer("layer" + l, sizes[l], sizes[l + 1], random));
        }
        this.par = par;
        this.activations = new float[sizes.length][];
        this.gradients = new float[sizes.length][];
    }

    public int inputDim() {
        return layers.getFirst().in();
    }

    public int outputDim() {
        return layers.getLast().out();
    }

    public List<DenseLayer> layers() {
        return layers;
    }

    /** Every weight and bias, first layer first. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (DenseLayer layer : layers) {
            out.addAll(layer.parameters());
        }
        return out;
    }

    /**
     * The embeddings of {@code rows} inputs; the returned array is owned by this model and overwritten by the next
     * forward.
     *
     * @param input rows x inputDim. Not modified (kept by reference until the next forward).
     * @return rows x outputDim
     */
    public float[] forward(float[] input, int rows) {
        if (input.length != rows * inputDim()) {
            throw new IllegalArgumentException("input must have rows x inputDim = " + rows + " x " + inputDim()
                    + " values, got " + input.length);
        }
        allocate(rows);
        activations[0] = input;
        for (int l = 0; l < layers.size(); l++) {
            layers.get(l).forward(par, activations[l], activations[l + 1], rows);
            if (l + 1 < layers.size()) {
                relu(activations[l + 1]);
            }
        }
        return activations[layers.size()];
    }

    /**
     * Backpropagates dL/dembeddings of the last forward into every parameter's gradient (overwriting it).
     *
     * @param outputGrad rows x outputDim. Not modified.
     */
    public void backward(float[] outputGrad) {
        if (rows < 0 || outputGrad.length != rows * outputDim()) {
            throw new IllegalArgumentException("outputGrad must match the last forward: " + rows + " x "
                    + outputDim() + " values, got " + outputGrad.length);
        }
        float[] dy = outputGrad;
        for (int l = layers.size() - 1; l >= 0; l--) {
            float[] dx = l > 0 ? gradients[l] : null;
            layers.get(l).backward(par, activations[l], dy, dx, rows, l > 0);
            dy = dx;
        }
    }

    private void allocate(int n) {
        if (n == rows) {
            return;
        }
        for (int l = 0; l < layers.size(); l++) {
            activations[l + 1] = new float[n * layers.get(l).out()];
            gradients[l] = l > 0 ? new float[n * layers.get(l).in()] : null;
        }
        rows = n;
    }

    private static void relu(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.max(a[i], 0f);
        }
    }
}
