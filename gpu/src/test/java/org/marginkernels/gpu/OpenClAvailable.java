package org.marginkernels.gpu;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Skips a jqwik container, with the reason, where the OpenCL backend is not usable (never a silent pass). */
public final class OpenClAvailable implements SkipExecutionHook {

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        String reason = GpuTestSupport.openClReason();
        return reason == null ? SkipResult.doNotSkip() : SkipResult.skip("OpenCL not usable here: " + reason);
    }
}
