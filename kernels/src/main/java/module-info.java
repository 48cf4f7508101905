/**
 * margin-kernels: the public API (losses, backends, state), the kernel spec (expression IR, symbolic derivative,
 * C printer) and the reference backend. Backends are found through {@link org.marginkernels.spi.BackendProvider}.
 */
module org.marginkernels {
    exports org.marginkernels;
    exports org.marginkernels.spec;
    exports org.marginkernels.spi;
    // the double-precision reference backend, the oracle other backends (and users' own) are checked against
    exports org.marginkernels.reference;

    uses org.marginkernels.spi.BackendProvider;
    uses org.marginkernels.spi.GallerySearcherProvider;

    provides org.marginkernels.spi.BackendProvider with org.marginkernels.reference.ReferenceProvider;
    provides org.marginkernels.spi.GallerySearcherProvider
            with org.marginkernels.reference.ReferenceGallerySearcherProvider;
}
