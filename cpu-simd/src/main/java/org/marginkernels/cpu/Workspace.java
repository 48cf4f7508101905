package org.marginkernels.cpu;

import java.util.Arrays;

/**
 * Scratch arrays kept between calls so that a training loop does not reallocate (and zero) the cosine cache every
 * step. Each slot grows to the largest size asked for; callers size every slot from the workspace budget.
 */
final class Workspace {

    private float[][] floats = new float[16][];

    /**
     * The array of slot {@code slot}, at least {@code size} long; contents are unspecified. Workers fetch their
     * private slots concurrently, hence synchronized (a few calls per tile, never in an inner loop).
     */
    synchronized float[] floats(int slot, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("workspace slot too large: " + size + " floats");
        }
        if (slot >= floats.length) {
            floats = Arrays.copyOf(floats, Math.max(slot + 1, 2 * floats.length));
        }
        float[] a = floats[slot];
        if (a == null || a.length < size) {
            // drop the old array first so both never live at once
            floats[slot] = null;
            a = new float[(int) size];
            floats[slot] = a;
        }
        return a;
    }

    /** Drops every array. */
    synchronized void clear() {
        Arrays.fill(floats, null);
    }
}
