package org.marginkernels.cpu;

import org.marginkernels.BackendOptions;
import org.marginkernels.spi.BackendProvider;
import org.marginkernels.spi.KernelBackend;

/**
 * Provides the "cpu" backend (preference 100): Vector API kernels when {@code jdk.incubator.vector} is readable,
 * else scalar kernels with the same algorithm; {@code -Dmarginkernels.cpu.kernels=panama|scalar} forces one.
 */
public final class CpuProvider implements BackendProvider {

    @Override
    public String name() {
        return CpuBackend.NAME;
    }

    @Override
    public int preference() {
        return 100;
    }

    @Override
    public KernelBackend create(BackendOptions options) {
        return new CpuBackend(CpuKernelsChoice.choose(options.vectorBits()), options);
    }
}
