package org.marginkernels;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GallerySearcherProvider;

/**
 * Finds gallery searchers with {@link ServiceLoader}, like {@link Backends} finds backends: a name gives that
 * searcher or an exception, never a silent fallback; no name gives the most preferred usable one, logging the
 * reason each skipped one gave.
 */
final class GallerySearchers {

    private static final System.Logger LOG = System.getLogger(GallerySearchers.class.getName());

    private GallerySearchers() {
    }

    /**
     * The searcher of that name, or the best usable one when name is null.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known names
     * @throws UnsupportedOperationException when the named searcher cannot run here; the message says why
     */
    static GallerySearcher create(String name, int threads) {
        List<GallerySearcherProvider> providers = providers();
        for (GallerySearcherProvider p : providers) {
            if (name != null && !p.name().equals(name)) {
                continue;
            }
            try {
                return p.create(threads);
            } catch (UnsupportedOperationException e) {
                if (name != null) {
                    throw new UnsupportedOperationException("gallery searcher '" + name + "' is not usable here: "
                            + e.getMessage(), e);
                }
                LOG.log(Level.INFO, "gallery searcher {0} skipped: {1}", p.name(), e.getMessage());
            }
        }
        if (name == null) {
            throw new IllegalStateException("no gallery searcher is usable; the reference searcher should always be");
        }
        throw new IllegalArgumentException("unknown gallery searcher '" + name + "'; available: "
                + providers.stream().map(GallerySearcherProvider::name).toList());
    }

    private static List<GallerySearcherProvider> providers() {
        List<GallerySearcherProvider> list = new ArrayList<>();
        ServiceLoader.load(GallerySearcherProvider.class, GallerySearchers.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(GallerySearcherProvider::preference).reversed()
                .thenComparing(GallerySearcherProvider::name));
        return list;
    }
}
