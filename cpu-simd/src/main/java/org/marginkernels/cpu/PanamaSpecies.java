package org.marginkernels.cpu;

import java.lang.invoke.MethodHandles;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one holder of Vector API species constants, and the factory of species-specialized kernels.
 *
 * <p>C2 only intrinsifies vector operations whose species is a compile-time constant. {@link PanamaKernels} is
 * written once against a {@code static final} species that it reads from its class data; this holder defines one
 * hidden-class copy of it per species, so each copy's species is a true constant and the JIT compiles straight
 * vector code for 64-, 128-, 256- or 512-bit lanes from a single source ({@link PanamaJobs} makes the copies, of it
 * and of the job classes it delegates to).
 */
final class PanamaSpecies {

    /** The platform's preferred float species. */
    static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;

    /** The GEMM's row block for this CPU ({@link CpuKernelsChoice#gemmRowBlock}). */
    static final int GEMM_ROW_BLOCK = CpuKernelsChoice.gemmRowBlock(
            System.getProperty(CpuKernelsChoice.ROW_BLOCK_PROPERTY, ""), System.getProperty("os.arch", ""),
            PREFERRED.vectorBitSize());

    private static final ConcurrentMap<Integer, CpuKernels> BY_BITS = new ConcurrentHashMap<>();

    private PanamaSpecies() {
    }

    /**
     * The species a kernel class was specialized for: its class data, or the preferred species for the template
     * class itself (which is never used for computing).
     */
    static VectorSpecies<Float> classDataOrPreferred(MethodHandles.Lookup lookup) {
        try {
            @SuppressWarnings("unchecked")
            VectorSpecies<Float> s = MethodHandles.classData(lookup, "_", VectorSpecies.class);
            return s == null ? PREFERRED : s;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The kernels for {@code vectorBits} (0 = preferred).
     *
     * @throws UnsupportedOperationException when the width exceeds what the hardware vectorizes
     */
    static CpuKernels kernels(int vectorBits) {
        int bits = vectorBits == 0 ? PREFERRED.vectorBitSize() : vectorBits;
        if (bits > PREFERRED.vectorBitSize()) {
            throw new UnsupportedOperationException(bits + "-bit vectors requested but this CPU's preferred width is "
                    + PREFERRED.vectorBitSize() + " bits");
        }
        return BY_BITS.computeIfAbsent(bits, PanamaSpecies::define);
    }

    private static CpuKernels define(int bits) {
        return PanamaJobs.copy(PanamaKernels.class, CpuKernels.class,
                VectorSpecies.of(float.class, VectorShape.forBitSize(bits)));
    }
}
