package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;

/** The provider: registered as "cpu", and the kernels a run asks for are the kernels it gets. */
class KernelsSelectionTest {

    private static final boolean VECTOR_MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    @Test
    void cpuIsRegisteredAboveReference() {
        List<String> names = Backends.names();
        assertTrue(names.indexOf("cpu") >= 0 && names.indexOf("cpu") < names.indexOf("reference"), names::toString);
        assertEquals(100, new CpuProvider().preference());
        try (Backend b = Backends.named("cpu")) {
            assertEquals("cpu", b.name());
            assertInstanceOf(CpuBackend.class, b.implementation());
        }
    }

    @Test
    void forcedKernelsAreTheKernelsInUse() {
        String forced = System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY, "");
        try (Backend b = Backends.named("cpu")) {
            String description = ((CpuBackend) b.implementation()).kernelsDescription();
            if (forced.isEmpty()) {
                assertEquals(VECTOR_MODULE ? "panama" : "scalar", description.split(" ")[0]);
            } else {
                // a run that asked for panama (or scalar) and silently got the other fails here
                assertEquals(forced, description.split(" ")[0]);
            }
        }
    }

    @Test
    void unforcedChoiceFollowsTheModule() {
        String forced = System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY);
        System.clearProperty(CpuKernelsChoice.KERNELS_PROPERTY);
        try {
            String description = CpuKernelsChoice.choose(0).description();
            assertEquals(VECTOR_MODULE ? "panama" : "scalar", description.split(" ")[0]);
        } finally {
            restore(forced);
        }
    }

    @Test
    void forcingPanamaWithoutTheModuleFailsLoudly() {
        assumeTrue(!VECTOR_MODULE, "only meaningful where jdk.incubator.vector is not readable");
        String forced = System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY);
        System.setProperty(CpuKernelsChoice.KERNELS_PROPERTY, "panama");
        try {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Backends.named("cpu"));
            assertTrue(e.getMessage().contains("jdk.incubator.vector"), e.getMessage());
        } finally {
            restore(forced);
        }
    }

    @Test
    void unknownKernelsValueIsRejected() {
        String forced = System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY);
        System.setProperty(CpuKernelsChoice.KERNELS_PROPERTY, "gpu");
        try {
            assertThrows(UnsupportedOperationException.class, () -> Backends.named("cpu"));
        } finally {
            restore(forced);
        }
    }

    @Test
    void requestedWidthIsUsedOrRefused() {
        assumeTrue(VECTOR_MODULE && !"scalar".equals(System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY)),
                "panama kernels only");
        try (Backend b = Backends.named("cpu", BackendOptions.defaults().withVectorBits(128))) {
            assertEquals("panama 128-bit", ((CpuBackend) b.implementation()).kernelsDescription());
        }
        int preferred = CpuKernelsChoice.choose(0).panelWidth() / 2 * 32;
        if (preferred < 512) {
            assertThrows(UnsupportedOperationException.class,
                    () -> CpuKernelsChoice.choose(preferred * 2).description());
        }
    }

    @Test
    void gemmRowBlockFollowsTheRegisterFileUnlessOverridden() {
        assertEquals(4, CpuKernelsChoice.gemmRowBlock("", "amd64", 256));
        assertEquals(8, CpuKernelsChoice.gemmRowBlock("", "amd64", 512));
        assertEquals(8, CpuKernelsChoice.gemmRowBlock("", "aarch64", 128));
        assertEquals(4, CpuKernelsChoice.gemmRowBlock("", "riscv64", 256));
        assertEquals(8, CpuKernelsChoice.gemmRowBlock(" 8 ", "amd64", 256));
        assertEquals(4, CpuKernelsChoice.gemmRowBlock("4", "aarch64", 128));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> CpuKernelsChoice.gemmRowBlock("6", "amd64", 256));
        assertTrue(e.getMessage().contains(CpuKernelsChoice.ROW_BLOCK_PROPERTY), e.getMessage());
    }

    /** A bad row block is refused whatever the kernels mode, never a silent fall back to the scalar kernels. */
    @Test
    void badRowBlockIsRefusedInEveryMode() {
        String rowBlock = System.getProperty(CpuKernelsChoice.ROW_BLOCK_PROPERTY);
        String kernels = System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY);
        try {
            System.setProperty(CpuKernelsChoice.ROW_BLOCK_PROPERTY, "6");
            for (String mode : new String[] {"", "panama", "scalar"}) {
                System.setProperty(CpuKernelsChoice.KERNELS_PROPERTY, mode);
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> CpuKernelsChoice.choose(0), "mode '" + mode + "'");
                assertTrue(e.getMessage().contains(CpuKernelsChoice.ROW_BLOCK_PROPERTY), e.getMessage());
            }
        } finally {
            restore(CpuKernelsChoice.ROW_BLOCK_PROPERTY, rowBlock);
            restore(CpuKernelsChoice.KERNELS_PROPERTY, kernels);
        }
    }

    /** The surefire runs that force a row block get it (the kernels' classes read the property once). */
    @Test
    void forcedRowBlockIsTheOneInUse() {
        String forced = System.getProperty(CpuKernelsChoice.ROW_BLOCK_PROPERTY);
        assumeTrue(forced != null && VECTOR_MODULE
                && !"scalar".equals(System.getProperty(CpuKernelsChoice.KERNELS_PROPERTY)), "a forced row block");
        assertEquals(Integer.parseInt(forced.trim()), CpuKernelsChoice.choose(0).rowBlock());
    }

    private static void restore(String value) {
        restore(CpuKernelsChoice.KERNELS_PROPERTY, value);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
