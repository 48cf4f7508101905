package org.marginkernels.shard;

/**
 * The classes [first, end) that one rank owns: its rows of the class weights W and of dW.
 *
 * @param first the first class, &gt;= 0
 * @param end one past the last class, &gt; first
 */
public record ClassRange(int first, int end) {

    public ClassRange {
        if (first < 0 || end <= first) {
            throw new IllegalArgumentException("ClassRange must have 0 <= first < end, got [" + first + ", " + end
                    + ")");
        }
    }

    /** The number of classes. */
    public int count() {
        return end - first;
    }

    /**
     * Rank {@code rank}'s share of an even split of {@code classes} over {@code size} ranks: [floor(C r / P),
     * floor(C (r + 1) / P)).
     *
     * @throws IllegalArgumentException if size &lt; 1, rank is outside [0, size) or classes &lt; size
     */
    public static ClassRange even(int classes, int rank, int size) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank must be in [0, size) with size >= 1, got rank=" + rank
                    + ", size=" + size);
        }
        if (classes < size) {
            throw new IllegalArgumentException("classes must be >= size (one class per rank at least), got classes="
                    + classes + ", size=" + size);
        }
        return new ClassRange((int) ((long) classes * rank / size), (int) ((long) classes * (rank + 1) / size));
    }
}
