package org.marginkernels;

/**
 * Settings a backend is created with. Backends ignore what does not apply to them.
 *
 * @param threads worker threads for CPU backends; 0 means {@code Runtime.availableProcessors()}
 * @param workspaceBytes the most extra memory a fused pass may keep beyond inputs and gradients (cached tiles,
 *        partials); the default is 256 MiB
 * @param vectorBits the SIMD width the CPU backend uses (64, 128, 256 or 512); 0 means the platform's preferred
 *        width. Narrower widths exist so tests can exercise several code paths on one machine.
 * @param device which GPU device of a platform to use (index across platforms, in enumeration order)
 */
public record BackendOptions(int threads, long workspaceBytes, int vectorBits, int device) {

    /** 256 MiB: enough to keep every cosine tile of a (256, 512, 100_000) step, far below a typical heap. */
    public static final long DEFAULT_WORKSPACE_BYTES = 256L << 20;

    public BackendOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
        }
        if (workspaceBytes < 0) {
            throw new IllegalArgumentException("workspaceBytes must be >= 0, got " + workspaceBytes);
        }
        if (vectorBits != 0 && vectorBits != 64 && vectorBits != 128 && vectorBits != 256 && vectorBits != 512) {
            throw new IllegalArgumentException("vectorBits must be 0, 64, 128, 256 or 512, got " + vectorBits);
        }
        if (device < 0) {
            throw new IllegalArgumentException("device must be >= 0, got " + device);
        }
    }

    /** All processors, the default workspace, the preferred vector width, the first device. */
    public static BackendOptions defaults() {
        return new BackendOptions(0, DEFAULT_WORKSPACE_BYTES, 0, 0);
    }

    public BackendOptions withThreads(int n) {
        return new BackendOptions(n, workspaceBytes, vectorBits, device);
    }

    public BackendOptions withWorkspaceBytes(long bytes) {
        return new BackendOptions(threads, bytes, vectorBits, device);
    }

    public BackendOptions withVectorBits(int bits) {
        return new BackendOptions(threads, workspaceBytes, bits, device);
    }

    public BackendOptions withDevice(int index) {
        return new BackendOptions(threads, workspaceBytes, vectorBits, index);
    }

    /** The thread count with 0 resolved to the processor count. */
    public int resolvedThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
