package org.marginkernels.cpu;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Picks the micro-kernels: the Vector API when {@code jdk.incubator.vector} is readable, else scalar Java. The
 * system property {@value #KERNELS_PROPERTY} forces the choice ({@code panama} or {@code scalar}); forcing
 * {@code panama} where it cannot run fails instead of falling back. No Vector API type is named here: the Panama
 * classes are reached by reflection only after the module check, so this class loads on any JVM.
 */
final class CpuKernelsChoice {

    /** System property forcing the kernels: panama or scalar. */
    static final String KERNELS_PROPERTY = "marginkernels.cpu.kernels";
    /** Overrides the Vector API GEMM's row block (4 or 8), so that both blocks are tested on any machine. */
    static final String ROW_BLOCK_PROPERTY = "marginkernels.cpu.gemmRowBlock";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final System.Logger LOG = System.getLogger(CpuKernelsChoice.class.getName());
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private CpuKernelsChoice() {
    }

    /**
     * The kernels for {@code vectorBits} (0 = preferred width).
     *
     * @throws UnsupportedOperationException when panama is forced but unusable, or the property is invalid
     */
    static CpuKernels choose(int vectorBits) {
        // checked whatever the mode, so a typo in the tuning knob is an exception, not a fallback to scalar kernels
        gemmRowBlock(System.getProperty(ROW_BLOCK_PROPERTY, ""), "", 0);
        String forced = System.getProperty(KERNELS_PROPERTY, "").trim();
        switch (forced) {
            case "scalar" -> {
                return new ScalarKernels();
            }
            case "panama" -> {
                return panama(vectorBits);
            }
            case "" -> {
                try {
                    return panama(vectorBits);
                } catch (UnsupportedOperationException e) {
                    if (LOGGED.compareAndSet(false, true)) {
                        LOG.log(Level.WARNING, "cpu backend uses scalar kernels: {0}", e.getMessage());
                    }
                    return new ScalarKernels();
                }
            }
            default -> throw new UnsupportedOperationException(KERNELS_PROPERTY + " must be panama or scalar, got '"
                    + forced + "'");
        }
    }

    /**
     * The Vector API GEMM's row block: 8 rows where the CPU has 32 vector registers (x86 with AVX-512, whose EVEX
     * encoding reaches xmm/ymm16-31 too, and AArch64), 4 where it has 16 (x86 with AVX2), unless
     * {@link #ROW_BLOCK_PROPERTY} says otherwise.
     *
     * @throws UnsupportedOperationException when the property is set to anything but 4 or 8
     */
    static int gemmRowBlock(String override, String arch, int preferredBits) {
        switch (override.trim()) {
            case "4" -> {
                return 4;
            }
            case "8" -> {
                return 8;
            }
            case "" -> {
                boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
                return arch.equals("aarch64") || x86 && preferredBits >= 512 ? 8 : 4;
            }
            default -> throw new UnsupportedOperationException(ROW_BLOCK_PROPERTY + " must be 4 or 8, got '"
                    + override + "'");
        }
    }

    private static CpuKernels panama(int vectorBits) {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            throw new UnsupportedOperationException(VECTOR_MODULE + " is not readable; run the JVM with "
                    + "--add-modules " + VECTOR_MODULE);
        }
        // without C2 the Vector API runs its Java fallback, far slower than scalar loops
        if (System.getProperty("java.vm.info", "").contains("interpreted mode")) {
            throw new UnsupportedOperationException("the JVM runs in interpreted mode (-Xint), so vector code is "
                    + "not compiled");
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Class<?> holder = lookup.findClass(CpuKernelsChoice.class.getPackageName() + ".PanamaSpecies");
            MethodHandle factory = lookup.findStatic(holder, "kernels",
                    MethodType.methodType(CpuKernels.class, int.class));
            return (CpuKernels) factory.invokeExact(vectorBits);
        } catch (UnsupportedOperationException e) {
            throw e;
        } catch (Throwable e) {
            throw new UnsupportedOperationException("the Vector API kernels could not be loaded: " + e, e);
        }
    }
}
