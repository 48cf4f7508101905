package org.marginkernels.testing;

/**
 * Element-wise comparison with a mixed absolute/relative tolerance, reporting the worst element on failure. Failures
 * are {@link AssertionError}s, so it works under JUnit, jqwik, TestNG or a plain main.
 */
public final class Tolerance {

    private Tolerance() {
    }

    /**
     * Asserts |actual_i - expected_i| &lt;= abs + rel * |expected_i| for all i.
     *
     * @param what names the compared quantity in the failure message
     */
    public static void assertClose(String what, float[] expected, float[] actual, double abs, double rel) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " != " + expected.length);
        }
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            double allowed = abs + rel * Math.abs(expected[i]);
            if (!(err <= allowed) && (worst < 0 || err - allowed > worstExcess)) {
                worst = i;
                worstExcess = err - allowed;
            }
        }
        if (worst >= 0) {
            fail(what + ": element " + worst + " expected " + expected[worst] + " but was " + actual[worst]
                    + " (abs tol " + abs + ", rel tol " + rel + ")");
        }
    }

    /** Asserts |actual - expected| &lt;= abs + rel * |expected|. */
    public static void assertClose(String what, double expected, double actual, double abs, double rel) {
        double err = Math.abs(actual - expected);
        if (!(err <= abs + rel * Math.abs(expected))) {
            fail(what + ": expected " + expected + " but was " + actual + " (abs tol " + abs + ", rel tol " + rel
                    + ")");
        }
    }

    private static void fail(String message) {
        throw new AssertionError(message);
    }

    /** The largest |a_i|, for tolerances relative to the scale of a whole gradient. */
    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
