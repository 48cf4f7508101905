package org.marginkernels.cpu;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Scratch arrays kept between calls so that a training loop does not reallocate (and zero) the cosine cache every
 * step. Each slot holds one float or double array (a slot number is used for one element type only) and grows to
 * the largest size asked for; callers size every slot from the workspace budget. One call uses a workspace at a
 * time ({@link CpuBackend} gives a concurrent call a workspace of its own); the workers of that call fetch their
 * slots concurrently.
 */
final class Workspace {

    /** The longest array a JVM allocates (a few header words below Integer.MAX_VALUE). */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private Object[] arrays = new Object[16];

    /**
     * The float array of slot {@code slot}, at least {@code size} long; contents are unspecified.
     *
     * @throws IllegalArgumentException when size exceeds {@link #MAX_ARRAY}: the problem is too large for this
     *     backend's tiles
     */
    float[] floats(int slot, long size) {
        return array(slot, size, float[]::new);
    }

    /** The byte array of slot {@code slot}, as {@link #floats}. */
    byte[] bytes(int slot, long size) {
        return array(slot, size, byte[]::new);
    }

    /** The double array of slot {@code slot}, as {@link #floats}. */
    double[] doubles(int slot, long size) {
        return array(slot, size, double[]::new);
    }

    /**
     * size as an array length.
     *
     * @throws IllegalArgumentException when size exceeds {@link #MAX_ARRAY}
     */
    static int arraySize(long size) {
        if (size > MAX_ARRAY) {
            throw new IllegalArgumentException("the cpu backend needs a scratch array of " + size
                    + " elements for this shape, more than a Java array holds (" + MAX_ARRAY + ")");
        }
        return (int) size;
    }

    /**
     * Workers fetch their private slots concurrently, hence synchronized (a few calls per tile, never in an inner
     * loop).
     */
    @SuppressWarnings("unchecked")
    private synchronized <A> A array(int slot, long size, IntFunction<A> allocate) {
        int n = arraySize(size);
        if (slot >= arrays.length) {
            arrays = Arrays.copyOf(arrays, Math.max(slot + 1, 2 * arrays.length));
        }
        Object a = arrays[slot];
        if (a == null || Array.getLength(a) < n) {
            // drop the old array first so both never live at once
            arrays[slot] = null;
            a = allocate.apply(n);
            arrays[slot] = a;
        }
        return (A) a;
    }
}
