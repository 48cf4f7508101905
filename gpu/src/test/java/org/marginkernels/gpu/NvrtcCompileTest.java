package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.gpu.cuda.NvrtcCompiler;
import org.marginkernels.spec.CDialect;

/**
 * The CUDA dialect of every catalogue loss compiles to PTX with NVRTC (no GPU needed), and a compile error carries
 * the compiler log. Skipped by assumption where libnvrtc cannot be loaded; point {@code -Dmarginkernels.nvrtc} at a
 * libnvrtc.so (with its libnvrtc-builtins on LD_LIBRARY_PATH) to run it on a machine without the CUDA toolkit.
 */
class NvrtcCompileTest {

    private static final String[] ENTRIES = {"mk_row_norms", "mk_cosine_matrix", "mk_target_cosines",
        "mk_fused_partials", "mk_fused_merge", "mk_fused_dx_partials", "mk_fused_dx_finish", "mk_fused_dw",
        "mk_project_rows", "mk_pair_cosines", "mk_margin_backward", "mk_softmax_grad"};

    private static NvrtcCompiler nvrtc;
    private static String missing;

    @BeforeEach
    void requireNvrtc() {
        synchronized (NvrtcCompileTest.class) {
            if (nvrtc == null && missing == null) {
                try {
                    nvrtc = NvrtcCompiler.open();
                } catch (UnsupportedOperationException e) {
                    missing = e.getMessage();
                }
            }
        }
        Assumptions.assumeTrue(missing == null, () -> "NVRTC not available here: " + missing);
    }

    @Test
    void everyCatalogueLossCompilesToPtx() {
        for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
            String ptx = new String(nvrtc.compileToPtx(KernelSource.print(e.getValue().spec(), CDialect.CUDA),
                    "compute_90"), StandardCharsets.UTF_8);
            for (String entry : ENTRIES) {
                assertTrue(ptx.contains(".entry " + entry + "("), e.getKey() + ": PTX lacks " + entry);
            }
        }
    }

    @Test
    void everyRegressionLossCompilesToPtx() {
        for (Map.Entry<String, RegressionLoss> e : LossCatalogue.regressions().entrySet()) {
            String ptx = new String(nvrtc.compileToPtx(KernelSource.printRegression(e.getValue().spec(),
                    CDialect.CUDA), "compute_90"), StandardCharsets.UTF_8);
            assertTrue(ptx.contains(".entry mk_regression_forward("), e.getKey() + ": PTX lacks mk_regression_forward");
        }
    }

    @Test
    void compileErrorCarriesTheLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> nvrtc.compileToPtx(
                "extern \"C\" __global__ void mk_broken(float* out) { out[0] = undeclared_name; }\n", "compute_90"));
        assertTrue(e.getMessage().contains("NVRTC_ERROR_COMPILATION"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_name"), e.getMessage());
    }
}
