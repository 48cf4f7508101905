package org.marginkernels.spi;

/**
 * A plug-in that creates a {@link GallerySearcher}, found with {@link java.util.ServiceLoader}; each module lists
 * its provider in {@code META-INF/services/org.marginkernels.spi.GallerySearcherProvider}.
 */
public interface GallerySearcherProvider {

    /** The name users select it by ("reference", "cpu"). */
    String name();

    /** Higher is preferred when no name is given (reference 0, cpu 100). */
    int preference();

    /**
     * Creates a searcher of {@code threads} workers (&gt;= 1).
     *
     * @throws UnsupportedOperationException with the reason, when it cannot run here
     */
    GallerySearcher create(int threads);
}
