package org.marginkernels.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * A system shared library opened with {@link SymbolLookup#libraryLookup(String, Arena)} in the global arena (the
 * library stays loaded for the life of the JVM, as a driver must), with downcall handles to its functions.
 */
public final class NativeLibrary {

    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /**
     * Opens the first library of {@code candidates} that the dynamic loader finds.
     *
     * @param candidates library names or paths, tried in order. Not modified.
     * @throws UnsupportedOperationException "NAME not found" naming the first candidate when none loads
     */
    @SuppressWarnings("restricted") // the module's one native entry point; run with --enable-native-access
    public static NativeLibrary open(List<String> candidates) {
        for (String candidate : candidates) {
            try {
                return new NativeLibrary(candidate, SymbolLookup.libraryLookup(candidate, Arena.global()));
            } catch (IllegalArgumentException notFound) {
                // try the next name
            }
        }
        throw new UnsupportedOperationException(candidates.getFirst() + " not found"
                + (candidates.size() > 1 ? " (also tried " + candidates.subList(1, candidates.size()) + ")" : ""));
    }

    /** The name the library was opened by. */
    public String name() {
        return name;
    }

    /**
     * A downcall handle to {@code function}.
     *
     * @throws UnsupportedOperationException when the library does not export the symbol
     */
    @SuppressWarnings("restricted")
    public MethodHandle function(String function, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lookup.find(function).orElseThrow(() -> new UnsupportedOperationException(
                name + " does not export " + function)), descriptor);
    }
}
