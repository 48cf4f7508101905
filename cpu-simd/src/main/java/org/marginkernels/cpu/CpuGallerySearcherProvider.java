package org.marginkernels.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GallerySearcherProvider;

/**
 * Provides the "cpu" gallery searcher (preference 100): Vector API panel kernels when the cpu backend's choice
 * ({@link CpuKernelsChoice}, {@code -Dmarginkernels.cpu.kernels=panama|scalar}) gives the Vector API, else the scalar
 * ones, with the same worker threads either way.
 */
public final class CpuGallerySearcherProvider implements GallerySearcherProvider {

    @Override
    public String name() {
        return CpuGallerySearcher.NAME;
    }

    @Override
    public int preference() {
        return 100;
    }

    @Override
    public GallerySearcher create(int threads) {
        CpuKernels chosen = CpuKernelsChoice.choose(0);
        if (chosen instanceof ScalarKernels) {
            return new CpuGallerySearcher(new ScalarGalleryJob(), threads, chosen.description());
        }
        // two float vectors per panel width: the species' bits, without naming a Vector API type here
        int bits = chosen.panelWidth() / 2 * Float.SIZE;
        return new CpuGallerySearcher(panama(bits), threads, chosen.description());
    }

    private static GalleryKernelsJob panama(int bits) {
        try {
            MethodHandle factory = MethodHandles.lookup().findStatic(PanamaGalleryJobs.class, "kernels",
                    MethodType.methodType(GalleryKernelsJob.class, int.class));
            return (GalleryKernelsJob) factory.invokeExact(bits);
        } catch (Throwable e) {
            throw new UnsupportedOperationException("the Vector API gallery kernels could not be loaded: " + e, e);
        }
    }
}
