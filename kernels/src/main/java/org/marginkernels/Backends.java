package org.marginkernels;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.marginkernels.spi.BackendProvider;

/**
 * Finds backends. Providers are discovered with {@link ServiceLoader}; {@link #best()} tries them from the most to
 * the least preferred and logs the one reason each skipped backend gave. The system property
 * {@value #BACKEND_PROPERTY} forces a choice: then that backend or an exception, never a silent fallback.
 */
public final class Backends {

    /** System property that forces {@link #best()} to one backend: reference, cpu, opencl or cuda. */
    public static final String BACKEND_PROPERTY = "marginkernels.backend";

    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    /** Whether a backend can run here, and if not, why. */
    public record Availability(String name, boolean usable, String reason) {
    }

    /**
     * The backend of that name with default options.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known names
     * @throws UnsupportedOperationException when the backend exists but cannot run here; the message says why
     */
    public static Backend named(String name) {
        return named(name, BackendOptions.defaults());
    }

    /**
     * The backend of that name.
     *
     * @throws IllegalArgumentException for an unknown name; the message lists the known names
     * @throws UnsupportedOperationException when the backend exists but cannot run here; the message says why
     */
    public static Backend named(String name, BackendOptions options) {
        Checks.notNull("name", name);
        Checks.notNull("options", options);
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                try {
                    return new Backend(p.create(options));
                } catch (UnsupportedOperationException e) {
                    throw new UnsupportedOperationException("backend '" + name + "' is not usable here: "
                            + e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names());
    }

    /** The fastest usable backend with default options (or the one {@value #BACKEND_PROPERTY} forces). */
    public static Backend best() {
        return best(BackendOptions.defaults());
    }

    /** The fastest usable backend (or the one {@value #BACKEND_PROPERTY} forces). */
    public static Backend best(BackendOptions options) {
        String forced = System.getProperty(BACKEND_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return named(forced.trim(), options);
        }
        for (BackendProvider p : providers()) {
            try {
                return new Backend(p.create(options));
            } catch (UnsupportedOperationException e) {
                LOG.log(Level.INFO, "backend {0} skipped: {1}", p.name(), e.getMessage());
            }
        }
        throw new IllegalStateException("no backend is usable; the reference backend should always be");
    }

    /** Every known backend, most preferred first, with whether it runs here (each usable one is opened and closed). */
    public static List<Availability> availability() {
        List<Availability> out = new ArrayList<>();
        for (BackendProvider p : providers()) {
            try (var backend = p.create(BackendOptions.defaults().withThreads(1))) {
                out.add(new Availability(p.name(), true, "usable (" + backend.name() + ")"));
            } catch (UnsupportedOperationException e) {
                out.add(new Availability(p.name(), false, e.getMessage()));
            }
        }
        return out;
    }

    /** The names of all known backends, most preferred first. */
    public static List<String> names() {
        return providers().stream().map(BackendProvider::name).collect(Collectors.toList());
    }

    private static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::preference).reversed()
                .thenComparing(BackendProvider::name));
        return list;
    }
}
