package org.marginkernels.gpu;

import org.marginkernels.Backends;

/** Prints one line per backend with whether it is usable and why not; run in a child JVM by a test. */
public final class PrintAvailability {

    private PrintAvailability() {
    }

    /** Prints {@link Backends#availability()}. */
    public static void main(String[] args) {
        for (Backends.Availability a : Backends.availability()) {
            System.out.println(a.name() + " | " + a.usable() + " | " + a.reason());
        }
    }
}
