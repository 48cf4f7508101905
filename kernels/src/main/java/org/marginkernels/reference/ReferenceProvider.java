package org.marginkernels.reference;

import org.marginkernels.BackendOptions;
import org.marginkernels.spi.BackendProvider;
import org.marginkernels.spi.KernelBackend;

/** Provides the scalar double-precision reference backend, which runs everywhere. */
public final class ReferenceProvider implements BackendProvider {

    @Override
    public String name() {
        return ReferenceBackend.NAME;
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public KernelBackend create(BackendOptions options) {
        return new ReferenceBackend();
    }
}
