package org.marginkernels.cpu;

/** {@link MatrixRows} of a float[]: read and written in place, so the heap path is what it was before segments. */
record HeapRows(float[] matrix, int dim) implements MatrixRows {

    @Override
    public int rows() {
        return matrix.length / dim;
    }

    @Override
    public boolean staged() {
        return false;
    }

    @Override
    public float[] read(int first, int n, float[] staging) {
        return matrix;
    }

    @Override
    public int localRow(int first) {
        return first;
    }

    @Override
    public float[] writable(int first, int n, float[] staging) {
        return matrix;
    }

    @Override
    public void written(int first, int n, float[] staging) {
    }
}
