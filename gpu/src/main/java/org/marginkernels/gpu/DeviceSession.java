package org.marginkernels.gpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The device buffers of one backend call: uploads, scratch allocations and downloads, all freed by {@link #close()}
 * in reverse order, so a call never leaks device memory even when it throws. Host arrays are staged through a
 * confined native arena per transfer (heap arrays cannot be handed to an asynchronous driver).
 */
final class DeviceSession implements AutoCloseable {

    private final DeviceRuntime runtime;
    private final Deque<DeviceBuffer> buffers = new ArrayDeque<>();

    DeviceSession(DeviceRuntime runtime) {
        this.runtime = runtime;
    }

    /** A device copy of {@code data}. Not modified. */
    DeviceBuffer upload(float[] data) {
        DeviceBuffer b = floats(data.length);
        write(b, data);
        return b;
    }

    /** A device copy of {@code data}. Not modified. */
    DeviceBuffer upload(int[] data) {
        DeviceBuffer b = track(runtime.allocate(4L * data.length));
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(JAVA_INT, Math.max(1, data.length)).asSlice(0, 4L * data.length);
            MemorySegment.copy(data, 0, host, JAVA_INT, 0, data.length);
            runtime.write(b, host);
        }
        return b;
    }

    /** Overwrites the first {@code data.length} floats of {@code target} with {@code data}. Not modified. */
    void write(DeviceBuffer target, float[] data) {
        write(target, data, 0, data.length);
    }

    /** Overwrites the first {@code count} floats of {@code target} with data[from, from + count). Not modified. */
    void write(DeviceBuffer target, float[] data, int from, int count) {
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(JAVA_FLOAT, Math.max(1, count)).asSlice(0, 4L * count);
            MemorySegment.copy(data, from, host, JAVA_FLOAT, 0, count);
            runtime.write(target, host);
        }
    }

    /** An uninitialized device array of {@code count} floats. */
    DeviceBuffer floats(long count) {
        return track(runtime.allocate(4L * count));
    }

    /** An uninitialized device array of {@code count} ints. */
    DeviceBuffer ints(long count) {
        return track(runtime.allocate(4L * count));
    }

    /** Reads {@code count} ints of {@code source} into a new array. */
    int[] readInts(DeviceBuffer source, int count) {
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(JAVA_INT, Math.max(1, count)).asSlice(0, 4L * count);
            runtime.read(source, host);
            return host.toArray(JAVA_INT);
        }
    }

    /** Reads the first {@code out.length} floats of {@code source} into {@code out}. Modified. */
    void read(DeviceBuffer source, float[] out) {
        read(source, out, out.length);
    }

    /** Reads the first {@code count} floats of {@code source} into out[0, count). Modified. */
    void read(DeviceBuffer source, float[] out, int count) {
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(JAVA_FLOAT, Math.max(1, count)).asSlice(0, 4L * count);
            runtime.read(source, host);
            MemorySegment.copy(host, JAVA_FLOAT, 0, out, 0, count);
        }
    }

    /** Reads {@code count} floats of {@code source} into a new array. */
    float[] read(DeviceBuffer source, int count) {
        float[] out = new float[count];
        read(source, out);
        return out;
    }

    private DeviceBuffer track(DeviceBuffer b) {
        buffers.push(b);
        return b;
    }

    @Override
    public void close() {
        while (!buffers.isEmpty()) {
            buffers.pop().close();
        }
    }
}
