package org.marginkernels.spi;

/**
 * The k best (score, id) entries seen so far in a bounded min-heap: O(k) memory whatever the number offered.
 * Order: higher score first, equal scores lower id first. That is a total order on entries of distinct ids, so the
 * k best are one set whatever the order of the offers and merges: results do not depend on which thread scanned
 * which rows. Each entry also carries its row (the storage position), which the order never reads; a gallery
 * search passes the row and its enrolled id, {@code Backend.topK} the gallery index as both.
 */
public final class TopK {

    private final int k;
    private final float[] heapScore;
    private final long[] heapId;
    private final int[] heapRow;
    private int size;

    /** A selector of the best {@code k} entries, k &gt;= 1. */
    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        this.k = k;
        this.heapScore = new float[k];
        this.heapId = new long[k];
        this.heapRow = new int[k];
    }

    /** The entries held, at most k. */
    public int size() {
        return size;
    }

    /**
     * The score an entry must reach to enter: -infinity while not full; an entry equal to it may still enter by
     * a lower id, so callers skip only scores strictly below it.
     */
    public float threshold() {
        return size < k ? Float.NEGATIVE_INFINITY : heapScore[0];
    }

    /** Offers one entry. */
    public void offer(int row, long id, float score) {
        if (size < k) {
            heapScore[size] = score;
            heapId[size] = id;
            heapRow[size] = row;
            siftUp(size++);
        } else if (better(score, id, heapScore[0], heapId[0])) {
            heapScore[0] = score;
            heapId[0] = id;
            heapRow[0] = row;
            siftDown(0);
        }
    }

    /** Offers every entry of another selector. */
    public void merge(TopK other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.heapRow[i], other.heapId[i], other.heapScore[i]);
        }
    }

    /**
     * Writes the entries best first to {@code rows[offset..offset + size)} and {@code scores}, then forgets them.
     * rows and scores modified.
     */
    public void drainInto(int[] rows, float[] scores, int offset) {
        for (int r = size - 1; r >= 0; r--) {
            rows[offset + r] = heapRow[0];
            scores[offset + r] = heapScore[0];
            move(r, 0);
            size = r;
            siftDown(0);
        }
        size = 0;
    }

    // a is better than b: higher score, or equal score and lower id
    private static boolean better(float as, long aid, float bs, long bid) {
        return as > bs || (as == bs && aid < bid);
    }

    private boolean better(int a, int b) {
        return better(heapScore[a], heapId[a], heapScore[b], heapId[b]);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!better(parent, i)) {
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
            if (l < size && better(worst, l)) {
                worst = l;
            }
            if (r < size && better(worst, r)) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            swap(i, worst);
            i = worst;
        }
    }

    private void move(int from, int to) {
        heapScore[to] = heapScore[from];
        heapId[to] = heapId[from];
        heapRow[to] = heapRow[from];
    }

    private void swap(int a, int b) {
        float s = heapScore[a];
        long id = heapId[a];
        int row = heapRow[a];
        move(b, a);
        heapScore[b] = s;
        heapId[b] = id;
        heapRow[b] = row;
    }
}
