package org.marginkernels.crossbackend;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Names the backend a contract class runs against; properties of a class whose backend cannot run here are skipped
 * with the backend's own reason (see {@link SkipUnusableBackend}), never passed.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
@AddLifecycleHook(SkipUnusableBackend.class)
@interface BackendUnderTest {

    /** The backend name. */
    String value();

    /** BackendOptions.vectorBits; 0 = preferred width. */
    int vectorBits() default 0;

    /** BackendOptions.threads; 0 = all processors. */
    int threads() default 0;
}
