package org.marginkernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The copy of {@link PanamaGalleryKernels} for a vector width; reached by reflection from
 * {@link CpuGallerySearcherProvider} only once the Vector API is known to be readable.
 */
final class PanamaGalleryJobs {

    private PanamaGalleryJobs() {
    }

    /** The gallery kernels for float vectors of {@code bits} bits. */
    static GalleryKernelsJob kernels(int bits) {
        VectorSpecies<Float> species = bits == FloatVector.SPECIES_PREFERRED.vectorBitSize()
                ? FloatVector.SPECIES_PREFERRED : VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        return PanamaJobs.copy(PanamaGalleryKernels.class, GalleryKernelsJob.class, species);
    }
}
