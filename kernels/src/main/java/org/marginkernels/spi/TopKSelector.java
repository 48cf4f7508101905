package org.marginkernels.spi;

/**
 * Keeps the k best (index, score) pairs seen so far in a bounded min-heap: O(k) memory whatever the gallery size.
 * Order: higher score first; equal scores, lower index first, so results never depend on scan order.
 */
public final class TopKSelector {

    private final int k;
    private final int[] heapIndex;
    private final float[] heapScore;
    private int size;

    /** A selector of the best {@code k} entries, k &gt;= 1. */
    public TopKSelector(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.k = k;
        this.heapIndex = new int[k];
        this.heapScore = new float[k];
    }

    /** Forgets every entry. */
    public void reset() {
        size = 0;
    }

    /** The score an entry must beat to enter a full selector, or -infinity while it is not full. */
    public float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : heapScore[0];
    }

    /** Offers one entry. */
    public void offer(int index, float score) {
        if (size < k) {
            heapIndex[size] = index;
            heapScore[size] = score;
            siftUp(size++);
        } else if (better(index, score, heapIndex[0], heapScore[0])) {
            heapIndex[0] = index;
            heapScore[0] = score;
            siftDown(0);
        }
    }

    /** Merges another selector's entries into this one. */
    public void merge(TopKSelector other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.heapIndex[i], other.heapScore[i]);
        }
    }

    /** Writes the entries best first to {@code indices[offset..offset+k)} and {@code scores}, then resets. */
    public void drainInto(int[] indices, float[] scores, int offset) {
        for (int r = size - 1; r >= 0; r--) {
            indices[offset + r] = heapIndex[0];
            scores[offset + r] = heapScore[0];
            heapIndex[0] = heapIndex[r];
            heapScore[0] = heapScore[r];
            size = r;
            siftDown(0);
        }
        size = 0;
    }

    // a is better than b: higher score, or equal score and lower index
    private static boolean better(int ai, float as, int bi, float bs) {
        return as > bs || (as == bs && ai < bi);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(heapIndex[parent], heapScore[parent], heapIndex[i], heapScore[i])) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int worst = i;
            int l = 2 * i + 1;
            int r = l + 1;
            if (l < size && better(heapIndex[worst], heapScore[worst], heapIndex[l], heapScore[l])) {
                worst = l;
            }
            if (r < size && better(heapIndex[worst], heapScore[worst], heapIndex[r], heapScore[r])) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        int ti = heapIndex[a];
        heapIndex[a] = heapIndex[b];
        heapIndex[b] = ti;
        float ts = heapScore[a];
        heapScore[a] = heapScore[b];
        heapScore[b] = ts;
    }
}
