package org.marginkernels.crossbackend;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** jqwik's way to skip a container: a backend that cannot run here skips every property with its reason. */
public final class SkipUnusableBackend implements SkipExecutionHook {

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        BackendUnderTest under = context.findAnnotation(BackendUnderTest.class).orElse(null);
        if (under == null) {
            return SkipResult.doNotSkip();
        }
        SharedBackends.Opened opened = SharedBackends.get(under.value(), BackendAgreementContract.options(under));
        return opened.backend() != null ? SkipResult.doNotSkip()
                : SkipResult.skip("backend " + under.value() + " unavailable: " + opened.unavailableReason());
    }
}
