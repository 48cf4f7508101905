package org.marginkernels.gpu;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link DeviceRuntime} that counts the bytes its {@link #write} and {@link #read} move across the host-device bus,
 * and the device memory its buffers hold (now and at the peak), and forwards every call to the runtime it wraps.
 * Every transfer of a GPU backend goes through these two methods, so the counts are what a step costs on the bus
 * (kernel arguments passed by value, a few bytes per launch, are not counted). Its buffers wrap the runtime's, which
 * it unwraps before every forwarded call.
 */
final class TransferCountingRuntime implements DeviceRuntime {

    private final DeviceRuntime runtime;
    private final AtomicLong toDevice = new AtomicLong();
    private final AtomicLong toHost = new AtomicLong();
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    TransferCountingRuntime(DeviceRuntime runtime) {
        this.runtime = runtime;
    }

    /** Bytes copied host to device and device to host so far. */
    TransferCounts counts() {
        return new TransferCounts(toDevice.get(), toHost.get());
    }

    /** Bytes of device memory this runtime's open buffers hold now. */
    long allocatedBytes() {
        return allocated.get();
    }

    /** The most bytes of device memory its open buffers held at once. */
    long peakAllocatedBytes() {
        return peak.get();
    }

    @Override
    public String description() {
        return runtime.description();
    }

    @Override
    public DeviceProgram compile(String source) {
        return runtime.compile(source);
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        DeviceBuffer inner = runtime.allocate(bytes);
        peak.accumulateAndGet(allocated.addAndGet(inner.bytes()), Math::max);
        return new CountedBuffer(inner);
    }

    @Override
    public void write(DeviceBuffer target, MemorySegment host) {
        runtime.write(inner(target), host);
        toDevice.addAndGet(host.byteSize());
    }

    @Override
    public void read(DeviceBuffer source, MemorySegment host) {
        runtime.read(inner(source), host);
        toHost.addAndGet(host.byteSize());
    }

    @Override
    public void launch(DeviceProgram program, String kernel, int groupsX, int groupsY, int localX, int localY,
            Object... args) {
        Object[] unwrapped = args.clone();
        for (int i = 0; i < unwrapped.length; i++) {
            if (unwrapped[i] instanceof CountedBuffer b) {
                unwrapped[i] = b.inner;
            }
        }
        runtime.launch(program, kernel, groupsX, groupsY, localX, localY, unwrapped);
    }

    @Override
    public void finish() {
        runtime.finish();
    }

    @Override
    public void close() {
        runtime.close();
    }

    private static DeviceBuffer inner(DeviceBuffer b) {
        return b instanceof CountedBuffer c ? c.inner : b;
    }

    /** A buffer of the wrapped runtime whose close gives its bytes back to the count, once. */
    private final class CountedBuffer implements DeviceBuffer {

        private final DeviceBuffer inner;
        private boolean closed;

        CountedBuffer(DeviceBuffer inner) {
            this.inner = inner;
        }

        @Override
        public long bytes() {
            return inner.bytes();
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                allocated.addAndGet(-inner.bytes());
                inner.close();
            }
        }
    }
}
