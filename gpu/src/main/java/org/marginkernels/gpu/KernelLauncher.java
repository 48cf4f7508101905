package org.marginkernels.gpu;

/**
 * Launch shapes of the shared kernel body: one work-item per row ({@value #ROW_GROUP} per group), one per element
 * and TILE x TILE tiles ({@value #TILE} x {@value #TILE} groups). Empty launches are skipped (OpenCL rejects a
 * zero global size).
 */
final class KernelLauncher {

    /** The tile edge of the body's TILE macro: work-groups of the tile kernels are TILE x TILE. */
    static final int TILE = 16;
    /**
     * The body's MK_BLOCK: the register-blocked fused kernels give each TILE x TILE group a BLOCK x BLOCK block of
     * outputs (rows x classes), so they are launched over ceil(n / BLOCK) groups.
     */
    static final int BLOCK = 64;
    /** Work-items of the one group of mk_first_suspect_row: the body's MK_SCAN_GROUP. */
    static final int SCAN_GROUP = 256;
    /** Work-items per group of the one-per-row kernels. */
    static final int ROW_GROUP = 64;

    private final DeviceRuntime runtime;
    private final DeviceProgram program;
    private final float[] arguments;

    /**
     * @param arguments the loss's parameters as the program's loss functions read them (the kernel argument
     *     {@code args}); not modified
     */
    KernelLauncher(DeviceRuntime runtime, DeviceProgram program, float[] arguments) {
        this.runtime = runtime;
        this.program = program;
        this.arguments = arguments;
    }

    /**
     * The loss's parameters on the device, for the first argument ({@code args}) of every kernel that calls a loss
     * function; one float even when the loss has none, as OpenCL allocates no empty buffer.
     */
    DeviceBuffer arguments(DeviceSession s) {
        return s.upload(arguments.length == 0 ? new float[1] : arguments);
    }

    /**
     * Sets the first n floats of {@code buffer} to zero on the device (uploading zeros would cost the bus their
     * bytes).
     */
    void zero(DeviceBuffer buffer, int n) {
        perRow("mk_zero", n, buffer, n);
    }

    /** One work-item per index in [0, n): ceil(n / 64) groups of 64. */
    void perRow(String kernel, int n, Object... args) {
        if (n > 0) {
            runtime.launch(program, kernel, ceil(n, ROW_GROUP), 1, ROW_GROUP, 1, args);
        }
    }

    /** One work-item per (x, y) in [0, nx) x [0, ny): TILE x TILE groups. */
    void perElement(String kernel, int nx, int ny, Object... args) {
        if (nx > 0 && ny > 0) {
            runtime.launch(program, kernel, ceil(nx, TILE), ceil(ny, TILE), TILE, TILE, args);
        }
    }

    /** {@code groups} 1-D groups of {@code groupSize} work-items: kernels that reduce within a group. */
    void groups(String kernel, int groups, int groupSize, Object... args) {
        if (groups > 0) {
            runtime.launch(program, kernel, groups, 1, groupSize, 1, args);
        }
    }

    /** {@code groupsX x groupsY} groups of TILE x TILE work-items. */
    void tiles(String kernel, int groupsX, int groupsY, Object... args) {
        if (groupsX > 0 && groupsY > 0) {
            runtime.launch(program, kernel, groupsX, groupsY, TILE, TILE, args);
        }
    }

    static int ceil(long n, int d) {
        return Math.toIntExact((n + d - 1) / d);
    }
}
