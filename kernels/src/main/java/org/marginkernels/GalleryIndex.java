package org.marginkernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.marginkernels.spi.GalleryLayout;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GalleryView;

/**
 * A 1:N gallery index: rows are enrolled once (checked and normalized then), searched many times with only the
 * queries checked. Scores are cosines computed as one float FMA chain per (query, row) in coordinate order, so they
 * are the same bits whatever the searcher, thread count or batch size; results are best first, equal scores lower
 * id first.
 *
 * <pre>{@code
 * try (GalleryIndex index = GalleryIndex.builder(512).threads(2).build()) {
 *     index.addAll(ids, rows);                         // ids.length x 512 raw embeddings
 *     GalleryIndex.SearchResult r = index.search(queries, 10);
 *     long best = r.id(0, 0);
 *     index.save(Path.of("gallery.mkg"));              // GalleryIndex.open(path) maps it back
 * }
 * }</pre>
 *
 * <p><b>Storage.</b> Normalized rows live off-heap in panels of 32 rows ({@link GalleryLayout}), so a gallery may
 * hold more than 2^31 floats; {@link #save} writes them as they lie and {@link #open} maps the file, so opening costs
 * no read of the rows. Removal moves the last row into the freed position (ids never change; positions are not
 * part of the API).
 *
 * <p><b>Half size.</b> {@link Builder#halfSize(boolean)} adds int8 codes with one scale per row (a quarter of the
 * float bytes). Searches of up to {@value #HALF_SIZE_MAX_QUERIES} queries, which are bound by memory bandwidth,
 * scan the codes for max(4k, 64) candidates and re-score those from the float rows, so scores stay exact; larger
 * batches are bound by arithmetic, which codes do not reduce, and scan the float rows. The float rows are kept
 * (in memory, or mapped from the file and paged in for the candidates only): without them "exact" would mean
 * "exact for the codes", and the top k could differ from the full-size index's.
 *
 * <p><b>Threads.</b> An index may be shared: searches run concurrently with each other; changes wait for running
 * searches and block new ones (a read-write lock). After {@link #close()} every call throws IllegalStateException.
 */
public final class GalleryIndex implements AutoCloseable {

    /** The largest batch that scans the int8 codes of a half-size index. */
    public static final int HALF_SIZE_MAX_QUERIES = 8;

    private final GalleryStore store;
    private final GallerySearcher searcher;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    // built on first use: an opened file needs it only once it changes or is asked for an id
    private GalleryIds rowsById;
    private boolean closed;

    private GalleryIndex(GalleryStore store, GallerySearcher searcher) {
        this.store = store;
        this.searcher = searcher;
    }

    /** A builder of an empty index of rows of {@code dim} coordinates, dim &gt; 0. */
    public static Builder builder(int dim) {
        Checks.positive("dim", dim);
        return new Builder(dim);
    }

    /** Maps a file written by {@link #save}, searched with all processors; see {@link #open(Path, int)}. */
    public static GalleryIndex open(Path path) throws IOException {
        return open(path, 0);
    }

    /**
     * Maps a file written by {@link #save} (read only: the first change copies the rows into memory) with the best
     * usable searcher.
     *
     * @param threads worker threads, 0 for all processors
     * @throws IllegalArgumentException when the file is not a gallery file or threads &lt; 0
     * @throws IOException when it cannot be read
     */
    public static GalleryIndex open(Path path, int threads) throws IOException {
        Checks.notNull("path", path);
        GallerySearcher searcher = GallerySearchers.create(null, Builder.resolve(threads));
        try {
            return new GalleryIndex(GalleryFile.open(path), searcher);
        } catch (IOException | RuntimeException e) {
            searcher.close();
            throw e;
        }
    }

    /** Coordinates per row. */
    public int dim() {
        return store.dim;
    }

    /** Rows enrolled. */
    public int size() {
        lock.readLock().lock();
        try {
            open();
            return store.count();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether the index keeps int8 codes for small batches. */
    public boolean halfSize() {
        return store.halfSize;
    }

    /** The searcher's name and threads, such as "cpu x 2". */
    public String searcher() {
        return searcher.name() + " x " + searcher.threads();
    }

    /** Whether {@code id} is enrolled. */
    public boolean contains(long id) {
        lock.writeLock().lock();
        try {
            open();
            return ids().row(id) >= 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Enrolls one row: {@link #addAll} of one.
     *
     * @param row dim coordinates, raw: finite, norm in [1e-15, 2^126]. Not modified.
     * @throws IllegalArgumentException when id is enrolled already or the row is invalid; nothing changes then
     */
    public void add(long id, float[] row) {
        addAll(new long[] {id}, row);
    }

    /**
     * Enrolls rows, normalized (in double) once here.
     *
     * @param ids distinct ids, none enrolled already. Not modified.
     * @param rows ids.length x dim raw coordinates, finite, each row's norm in [1e-15, 2^126]. Not modified.
     * @throws IllegalArgumentException on a bad shape, a repeated or enrolled id, or an invalid row; nothing
     *     changes then
     */
    public void addAll(long[] ids, float[] rows) {
        Checks.notNull("ids", ids);
        int n = Checks.rows("rows", rows, store.dim);
        if (n != ids.length) {
            throw new IllegalArgumentException("rows must hold ids.length = " + ids.length + " rows of dim "
                    + store.dim + ", got " + n);
        }
        double[] norms = Checks.finiteRowNorms("rows", rows, store.dim);
        lock.writeLock().lock();
        try {
            open();
            if ((long) store.count() + n > Integer.MAX_VALUE - GalleryLayout.PANEL) {
                throw new IllegalArgumentException("ids: " + n + " more rows exceed the index's limit of "
                        + (Integer.MAX_VALUE - GalleryLayout.PANEL));
            }
            GalleryIds known = ids();
            GalleryIds batch = new GalleryIds(n);
            for (int i = 0; i < n; i++) {
                if (known.row(ids[i]) >= 0 || batch.row(ids[i]) >= 0) {
                    throw new IllegalArgumentException("ids[" + i + "] = " + ids[i] + " is enrolled already");
                }
                batch.put(ids[i], i);
            }
            store.ensureCapacity(store.count() + n);
            for (int i = 0; i < n; i++) {
                known.put(ids[i], store.count());
                store.append(ids[i], rows, i * store.dim, norms[i]);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Removes a row by id.
     *
     * @return whether it was enrolled
     */
    public boolean remove(long id) {
        lock.writeLock().lock();
        try {
            open();
            GalleryIds known = ids();
            int row = known.row(id);
            if (row < 0) {
                return false;
            }
            int last = store.count() - 1;
            if (row != last) {
                known.put(store.id(last), row);
            }
            known.remove(id);
            store.removeAt(row);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * For each query, the k enrolled rows of highest cosine, best first (equal scores: lower id first).
     *
     * @param queries q x dim raw coordinates, finite, each row's norm in [1e-15, 2^126], q &gt;= 1. Not
     *     modified.
     * @param k results per query, 1 &lt;= k &lt;= {@link #size()}
     * @return q x k ids and cosines
     * @throws IllegalArgumentException on a bad shape, k or an invalid query row
     */
    public SearchResult search(float[] queries, int k) {
        int q = Checks.rows("queries", queries, store.dim);
        float[] normalized = normalize(queries, store.dim, Checks.finiteRowNorms("queries", queries, store.dim));
        lock.readLock().lock();
        try {
            open();
            int count = store.count();
            if (k < 1 || k > count) {
                throw new IllegalArgumentException("k must be in [1, " + count + "] (enrolled rows), got " + k);
            }
            int results = Checks.product("queries x k", q, k);
            int[] rows = new int[results];
            float[] scores = new float[results];
            GalleryView view = store.view();
            if (store.halfSize && q <= HALF_SIZE_MAX_QUERIES) {
                HalfSizeSearch.search(searcher, view, normalized, q, k, rows, scores);
            } else {
                searcher.search(view, normalized, q, k, rows, scores);
            }
            long[] ids = new long[results];
            for (int i = 0; i < results; i++) {
                ids[i] = view.id(rows[i]);
            }
            return new SearchResult(q, k, ids, scores);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Writes the index to {@code path} (replacing it atomically) in the format {@link #open} maps; see
     * {@code GalleryFile} for the layout.
     */
    public void save(Path path) throws IOException {
        Checks.notNull("path", path);
        lock.readLock().lock();
        try {
            open();
            GalleryFile.save(store, path);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Releases the rows (memory or mapping) and the searcher's threads; idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                searcher.close();
                store.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("the gallery index is closed");
        }
    }

    // under the write lock
    private GalleryIds ids() {
        if (rowsById == null) {
            int count = store.count();
            GalleryIds built = new GalleryIds(count);
            for (int r = 0; r < count; r++) {
                built.put(store.id(r), r);
            }
            rowsById = built;
        }
        return rowsById;
    }

    private static float[] normalize(float[] rows, int dim, double[] norms) {
        float[] out = new float[rows.length];
        for (int off = 0; off < rows.length; off += dim) {
            double norm = norms[off / dim];
            for (int d = 0; d < dim; d++) {
                out[off + d] = (float) (rows[off + d] / norm);
            }
        }
        return out;
    }

    /**
     * The results of a search: for query i, ids[i k + r] and scores[i k + r] are its r-th best row's id and cosine.
     */
    public record SearchResult(int queries, int k, long[] ids, float[] scores) {

        /** The id of query i's r-th best row. */
        public long id(int i, int r) {
            return ids[i * k + r];
        }

        /** The cosine of query i's r-th best row. */
        public float score(int i, int r) {
            return scores[i * k + r];
        }

        @Override
        public String toString() {
            return "SearchResult[queries=" + queries + ", k=" + k + ", ids=" + Arrays.toString(ids) + ", scores="
                    + Arrays.toString(scores) + "]";
        }
    }

    /** Options of a new index. */
    public static final class Builder {

        private final int dim;
        private int threads;
        private boolean halfSize;
        private String searcher;

        private Builder(int dim) {
            this.dim = dim;
        }

        /** Worker threads of a search (the caller included); 0, the default, for all processors. */
        public Builder threads(int threads) {
            resolve(threads);
            this.threads = threads;
            return this;
        }

        /** Whether to keep int8 codes beside the float rows (see the class comment); default false. */
        public Builder halfSize(boolean halfSize) {
            this.halfSize = halfSize;
            return this;
        }

        /** Forces a searcher by name ("cpu", "reference"); by default the most preferred usable one. */
        public Builder searcher(String name) {
            this.searcher = Checks.notNull("searcher", name);
            return this;
        }

        /**
         * The empty index.
         *
         * @throws IllegalArgumentException for an unknown searcher name
         * @throws UnsupportedOperationException when the named searcher cannot run here
         */
        public GalleryIndex build() {
            return new GalleryIndex(new GalleryStore(dim, halfSize), GallerySearchers.create(searcher,
                    resolve(threads)));
        }

        static int resolve(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
            }
            return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        }
    }
}
