package org.marginkernels.examples;

/** Runs a model over a whole data set in fixed-size batches. */
public final class Embedder {

    private static final int BATCH = 256;

    private Embedder() {
    }

    /**
     * The embedding of every sample, in order.
     *
     * @param model the model. Its forward cache is overwritten.
     * @param data the samples. Not modified.
     * @return data.size() x model.outputDim()
     */
    public static float[] embed(Mlp model, Dataset data) {
        int in = data.dim();
        int out = model.outputDim();
        float[] all = new float[data.size() * out];
        for (int from = 0; from < data.size(); from += BATCH) {
            int rows = Math.min(BATCH, data.size() - from);
            float[] x = new float[rows * in];
            System.arraycopy(data.inputs(), from * in, x, 0, rows * in);
            float[] y = model.forward(x, rows);
            System.arraycopy(y, 0, all, from * out, rows * out);
        }
        return all;
    }

    /**
     * The rows {@code rows} of a row-major matrix, in that order.
     *
     * @param matrix n x dim. Not modified.
     * @param rows row indices. Not modified.
     */
    public static float[] gather(float[] matrix, int dim, int[] rows) {
        float[] out = new float[rows.length * dim];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(matrix, rows[r] * dim, out, r * dim, dim);
        }
        return out;
    }
}
