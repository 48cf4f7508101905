package org.marginkernels.spi;

/**
 * The scan behind a {@code GalleryIndex}: top-k of many rows for a batch of queries. The index checks every argument
 * and normalizes the queries; a searcher assumes valid input.
 *
 * <p><b>Scores.</b> The score of query i and row r is one chain of float FMAs over the coordinates in order,
 * s = fma(q[d], x[d], s) from s = 0 (what every register block of a GEMM computes per element, and what
 * {@link Math#fma(float, float, float)} computes one at a time), so every searcher, thread count and batch size
 * gives the same bits. The int8 score is scale_r times the same chain over the codes (exact in float) instead of x.
 *
 * <p><b>Order.</b> Best first: higher score, equal scores lower id (see {@link TopK}).
 */
public interface GallerySearcher extends AutoCloseable {

    /** The name of the implementation ("cpu", "reference"). */
    String name();

    /** The worker threads a search uses (the calling thread included). */
    int threads();

    /**
     * The k best rows of the float scores for each query.
     *
     * @param gallery the rows. Not modified.
     * @param queries q x dim normalized queries. Not modified.
     * @param k results per query, 1 &lt;= k &lt;= gallery.count()
     * @param rows receives q x k row positions, best first. Modified.
     * @param scores receives their scores. Modified.
     */
    void search(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores);

    /**
     * The k best rows of the int8 scores for each query: the candidates an index re-ranks by float score.
     * Requires {@link GalleryView#hasCodes()}. Arguments as {@link #search}.
     */
    void searchCodes(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores);

    /** Releases threads; idempotent. */
    @Override
    void close();
}
