package org.marginkernels.examples;

import org.marginkernels.Backends;

/** The backend the training tests run on: cpu where it is usable (fast, in-process), else the reference. */
final class TestBackend {

    private TestBackend() {
    }

    /** "cpu" when that backend runs here, else "reference". */
    static String name() {
        for (Backends.Availability a : Backends.availability()) {
            if (a.name().equals("cpu") && a.usable()) {
                return "cpu";
            }
        }
        return "reference";
    }
}
