package org.marginkernels.spi;

import org.marginkernels.BackendOptions;

/**
 * A plug-in that creates a backend, found with {@link java.util.ServiceLoader}. Each backend module lists its
 * provider in {@code META-INF/services/org.marginkernels.spi.BackendProvider}.
 */
public interface BackendProvider {

    /** The name users select it by ("reference", "cpu", "opencl", "cuda"). */
    String name();

    /** Higher is preferred by {@code Backends.best()} (reference 0, cpu 100, opencl 200, cuda 300). */
    int preference();

    /**
     * Creates the backend.
     *
     * @throws UnsupportedOperationException with the reason, when it cannot run here (no device, no library, ...)
     */
    KernelBackend create(BackendOptions options);
}
