package org.marginkernels.reference;

import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GallerySearcherProvider;

/** Provides the "reference" gallery searcher (preference 0): always usable, one thread whatever is asked. */
public final class ReferenceGallerySearcherProvider implements GallerySearcherProvider {

    @Override
    public String name() {
        return ReferenceGallerySearcher.NAME;
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public GallerySearcher create(int threads) {
        return new ReferenceGallerySearcher();
    }
}
