package org.marginkernels.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.marginkernels.gpu.cuda.CudaErrors.checkNvrtc;
import static org.marginkernels.gpu.cuda.NativeCalls.status;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * CUDA C to PTX with NVRTC. Needs no GPU and no driver, so the CUDA dialect of every kernel can be compiled (though
 * not run) on any machine that has libnvrtc.
 */
public final class NvrtcCompiler {

    private final NvrtcApi api;

    private NvrtcCompiler(NvrtcApi api) {
        this.api = api;
    }

    /**
     * Loads NVRTC (an explicit path in system property {@value NvrtcApi#PATH_PROPERTY}, then the usual names).
     *
     * @throws UnsupportedOperationException "libnvrtc.so not found (also tried ...)"
     */
    public static NvrtcCompiler open() {
        return new NvrtcCompiler(new NvrtcApi());
    }

    /**
     * Compiles {@code source} to PTX for a virtual architecture.
     *
     * @param source CUDA C source
     * @param architecture such as {@code compute_90}
     * @return the PTX text without the trailing NUL
     * @throws IllegalStateException when compilation fails; the message holds the compiler log
     */
    public synchronized byte[] compileToPtx(String source, String architecture) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment program = scratch.allocate(ADDRESS);
            checkNvrtc(status(api.createProgram, program, scratch.allocateFrom(source),
                    scratch.allocateFrom("margin_kernels.cu"), 0, MemorySegment.NULL, MemorySegment.NULL),
                    "nvrtcCreateProgram");
            MemorySegment prog = program.get(ADDRESS, 0);
            try {
                MemorySegment options = scratch.allocate(ADDRESS, 1);
                options.setAtIndex(ADDRESS, 0, scratch.allocateFrom("--gpu-architecture=" + architecture));
                int result = status(api.compileProgram, prog, 1, options);
                if (result != 0) {
                    throw new IllegalStateException("nvrtcCompileProgram failed: " + CudaErrors.nvrtcName(result)
                            + " (" + result + ")\ncompiler log:\n" + log(prog, scratch));
                }
                MemorySegment size = scratch.allocate(JAVA_LONG);
                checkNvrtc(status(api.getPtxSize, prog, size), "nvrtcGetPTXSize");
                long bytes = size.get(JAVA_LONG, 0);
                MemorySegment ptx = scratch.allocate(Math.max(1, bytes));
                checkNvrtc(status(api.getPtx, prog, ptx), "nvrtcGetPTX");
                return ptx.asSlice(0, Math.max(0, bytes - 1)).toArray(JAVA_BYTE);
            } finally {
                status(api.destroyProgram, program);
            }
        }
    }

    private String log(MemorySegment prog, Arena scratch) {
        MemorySegment size = scratch.allocate(JAVA_LONG);
        if (status(api.getProgramLogSize, prog, size) != 0) {
            return "(no compiler log)";
        }
        MemorySegment log = scratch.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        status(api.getProgramLog, prog, log);
        return log.getString(0, StandardCharsets.UTF_8).strip();
    }
}
