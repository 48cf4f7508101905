package org.marginkernels.crossbackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/**
 * Guards against silent fallback: backends a run says it expects must be usable (CI expects "cpu" and, with PoCL
 * installed, "opencl"), and a forced {@code marginkernels.backend} must be what {@link Backends#best()} returns.
 * The contract classes skip an unusable backend by assumption; this test is what turns that skip into a failure
 * where the run promised the backend.
 */
class ForcedBackendTest {

    @Test
    void expectedBackendsAreUsable() {
        String expected = System.getProperty("marginkernels.expect.backends", "cpu");
        for (String name : Arrays.stream(expected.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList()) {
            try (Backend b = Backends.named(name)) {
                assertEquals(name, b.name());
            } catch (UnsupportedOperationException e) {
                fail("this run expects backend " + name + " but it is unusable: " + e.getMessage());
            }
        }
    }

    @Test
    void forcedBackendIsTheOneBestReturns() {
        String forced = System.getProperty(Backends.BACKEND_PROPERTY);
        try (Backend b = Backends.best()) {
            if (forced != null && !forced.isBlank()) {
                assertEquals(forced.trim(), b.name(), "forced backend fell back");
            } else {
                assertTrue(Backends.names().indexOf(b.name()) >= 0, b.name());
            }
        }
    }
}
