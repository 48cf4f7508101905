/**
 * The cpu backend: Panama Vector API kernels (with a scalar fallback chosen at run time). Nothing is exported; the
 * backend is reached through {@code org.marginkernels.Backends}.
 */
module org.marginkernels.cpu {
    requires org.marginkernels;
    requires jdk.incubator.vector;

    provides org.marginkernels.spi.BackendProvider with org.marginkernels.cpu.CpuProvider;
    provides org.marginkernels.spi.GallerySearcherProvider with org.marginkernels.cpu.CpuGallerySearcherProvider;
}
