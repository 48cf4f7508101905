package org.marginkernels.crossbackend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;

/**
 * One open backend per (name, options) for the whole test JVM: GPU backends compile their programs once per loss and
 * cache them, so reopening per property would only measure the compiler. An unusable backend is remembered with its
 * reason so every property can skip with it.
 */
final class SharedBackends {

    /** A backend, or the reason it cannot run here. */
    record Opened(Backend backend, String unavailableReason) {
    }

    private static final Map<String, Opened> OPEN = new ConcurrentHashMap<>();

    private SharedBackends() {
    }

    static Opened get(String name, BackendOptions options) {
        return OPEN.computeIfAbsent(name + " " + options, key -> {
            try {
                return new Opened(Backends.named(name, options), null);
            } catch (UnsupportedOperationException e) {
                return new Opened(null, e.getMessage());
            }
        });
    }
}
