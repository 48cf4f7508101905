package org.marginkernels.gpu.opencl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.marginkernels.gpu.DeviceBuffer;
import org.marginkernels.gpu.DeviceProgram;
import org.marginkernels.gpu.DeviceRuntime;

/**
 * One OpenCL device with its context and in-order command queue, driven through {@link OpenClApi}. Long-lived
 * native memory (device list, handles) lives in a shared {@link Arena} closed by {@link #close()}; each call's
 * scratch memory (argument values, size arrays) lives in a confined arena closed before the call returns.
 */
public final class OpenClRuntime implements DeviceRuntime {

    private final OpenClApi api;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment device;
    private final MemorySegment context;
    private final MemorySegment queue;
    private final String description;
    private final List<OpenClProgram> programs = new ArrayList<>();
    private boolean closed;

    private OpenClRuntime(OpenClApi api, MemorySegment device, String platformName, String deviceName) {
        this.api = api;
        this.device = device;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment error = scratch.allocate(JAVA_INT);
            MemorySegment devices = arena.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            this.context = api.createContext(MemorySegment.NULL, 1, devices, error);
            OpenClErrors.check(error.get(JAVA_INT, 0), "clCreateContext");
            this.queue = api.createCommandQueue(context, device, error);
            int status = error.get(JAVA_INT, 0);
            if (status != 0) {
                api.releaseContext(context);
                OpenClErrors.check(status, "clCreateCommandQueueWithProperties");
            }
        }
        this.description = "OpenCL " + platformName + " / " + deviceName;
    }

    /**
     * Opens device {@code index} of all OpenCL devices, counted across platforms in enumeration order.
     *
     * @param libraryName the ICD loader to load, normally {@value OpenClApi#LIBRARY}
     * @throws UnsupportedOperationException "libOpenCL.so.1 not found", "no OpenCL platform", "no OpenCL device",
     *         or "OpenCL device N does not exist (M devices)"
     */
    public static OpenClRuntime open(String libraryName, int index) {
        OpenClApi api = new OpenClApi(libraryName);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment count = scratch.allocate(JAVA_INT);
            int status = api.getPlatformIds(0, MemorySegment.NULL, count);
            if (status == -1001 || (status == 0 && count.get(JAVA_INT, 0) == 0)) {
                throw new UnsupportedOperationException("no OpenCL platform (the ICD loader found no driver)");
            }
            OpenClErrors.check(status, "clGetPlatformIDs");
            int platformCount = count.get(JAVA_INT, 0);
            MemorySegment platforms = scratch.allocate(ADDRESS, platformCount);
            OpenClErrors.check(api.getPlatformIds(platformCount, platforms, count), "clGetPlatformIDs");
            int seen = 0;
            for (int p = 0; p < platformCount; p++) {
                MemorySegment platform = platforms.getAtIndex(ADDRESS, p);
                status = api.getDeviceIds(platform, OpenClApi.CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
                if (status == -1) {
                    continue;
                }
                OpenClErrors.check(status, "clGetDeviceIDs");
                int devices = count.get(JAVA_INT, 0);
                if (index < seen + devices) {
                    MemorySegment ids = scratch.allocate(ADDRESS, devices);
                    OpenClErrors.check(api.getDeviceIds(platform, OpenClApi.CL_DEVICE_TYPE_ALL, devices, ids, count),
                            "clGetDeviceIDs");
                    MemorySegment device = ids.getAtIndex(ADDRESS, index - seen);
                    return new OpenClRuntime(api, device, platformName(api, platform), deviceName(api, device));
                }
                seen += devices;
            }
            throw new UnsupportedOperationException(seen == 0 ? "no OpenCL device on " + platformCount
                    + " platform(s)" : "OpenCL device " + index + " does not exist (" + seen + " devices)");
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public synchronized DeviceProgram compile(String source) {
        checkOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment error = scratch.allocate(JAVA_INT);
            MemorySegment text = scratch.allocateFrom(source, StandardCharsets.UTF_8);
            MemorySegment strings = scratch.allocate(ADDRESS);
            strings.set(ADDRESS, 0, text);
            MemorySegment lengths = scratch.allocate(JAVA_LONG);
            lengths.set(JAVA_LONG, 0, text.byteSize() - 1);
            MemorySegment program = api.createProgramWithSource(context, strings, lengths, error);
            OpenClErrors.check(error.get(JAVA_INT, 0), "clCreateProgramWithSource");
            MemorySegment devices = scratch.allocate(ADDRESS);
            devices.set(ADDRESS, 0, device);
            int status = api.buildProgram(program, devices, scratch.allocateFrom("-cl-std=CL1.2"));
            if (status != 0) {
                String log = buildLog(program, scratch);
                api.releaseProgram(program);
                throw new IllegalStateException("clBuildProgram failed: " + OpenClErrors.name(status) + " ("
                        + status + ")\nbuild log:\n" + log);
            }
            OpenClProgram compiled = new OpenClProgram(program);
            programs.add(compiled);
            return compiled;
        }
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        checkOpen();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment error = scratch.allocate(JAVA_INT);
            MemorySegment mem = api.createBuffer(context, OpenClApi.CL_MEM_READ_WRITE, Math.max(bytes, 4), error);
            OpenClErrors.check(error.get(JAVA_INT, 0), "clCreateBuffer(" + bytes + " bytes)");
            return new OpenClBuffer(mem, bytes);
        }
    }

    @Override
    public synchronized void write(DeviceBuffer target, MemorySegment host) {
        checkOpen();
        if (host.byteSize() > 0) {
            OpenClErrors.check(api.enqueueWriteBuffer(queue, handle(target), host.byteSize(), host),
                    "clEnqueueWriteBuffer");
        }
    }

    @Override
    public synchronized void read(DeviceBuffer source, MemorySegment host) {
        checkOpen();
        if (host.byteSize() > 0) {
            OpenClErrors.check(api.enqueueReadBuffer(queue, handle(source), host.byteSize(), host),
                    "clEnqueueReadBuffer");
        }
    }

    @Override
    public synchronized void launch(DeviceProgram program, String kernel, int groupsX, int groupsY, int localX,
            int localY, Object... args) {
        checkOpen();
        MemorySegment k = ((OpenClProgram) program).kernel(kernel);
        try (Arena scratch = Arena.ofConfined()) {
            for (int i = 0; i < args.length; i++) {
                MemorySegment value = switch (args[i]) {
                    case OpenClBuffer b -> scratch.allocateFrom(ADDRESS, b.mem);
                    case Integer v -> scratch.allocateFrom(JAVA_INT, v);
                    case Float v -> scratch.allocateFrom(JAVA_FLOAT, v);
                    default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i]);
                };
                OpenClErrors.check(api.setKernelArg(k, i, value.byteSize(), value),
                        "clSetKernelArg(" + kernel + ", " + i + ")");
            }
            MemorySegment global = scratch.allocateFrom(JAVA_LONG, (long) groupsX * localX, (long) groupsY * localY);
            MemorySegment local = scratch.allocateFrom(JAVA_LONG, localX, localY);
            OpenClErrors.check(api.enqueueNdRangeKernel(queue, k, 2, global, local),
                    "clEnqueueNDRangeKernel(" + kernel + ")");
        }
    }

    @Override
    public synchronized void finish() {
        checkOpen();
        OpenClErrors.check(api.finish(queue), "clFinish");
    }

    // a released context or queue is a dangling native handle: fail cleanly instead
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL runtime is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OpenClProgram p : List.copyOf(programs)) {
            p.close();
        }
        api.finish(queue);
        api.releaseCommandQueue(queue);
        api.releaseContext(context);
        arena.close();
    }

    private static MemorySegment handle(DeviceBuffer buffer) {
        return ((OpenClBuffer) buffer).mem;
    }

    private String buildLog(MemorySegment program, Arena scratch) {
        MemorySegment size = scratch.allocate(JAVA_LONG);
        MemorySegment devices = device;
        if (api.getProgramBuildInfo(program, devices, OpenClApi.CL_PROGRAM_BUILD_LOG, 0, MemorySegment.NULL, size)
                != 0) {
            return "(no build log)";
        }
        MemorySegment log = scratch.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        api.getProgramBuildInfo(program, devices, OpenClApi.CL_PROGRAM_BUILD_LOG, log.byteSize(), log,
                MemorySegment.NULL);
        return log.getString(0, StandardCharsets.UTF_8).strip();
    }

    private static String platformName(OpenClApi api, MemorySegment platform) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment value = scratch.allocate(JAVA_BYTE, 256);
            api.getPlatformInfo(platform, OpenClApi.CL_PLATFORM_NAME, value.byteSize(), value, MemorySegment.NULL);
            return value.getString(0, StandardCharsets.UTF_8).strip();
        }
    }

    private static String deviceName(OpenClApi api, MemorySegment device) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment value = scratch.allocate(JAVA_BYTE, 256);
            api.getDeviceInfo(device, OpenClApi.CL_DEVICE_NAME, value.byteSize(), value, MemorySegment.NULL);
            return value.getString(0, StandardCharsets.UTF_8).strip();
        }
    }

    /** A cl_mem; released once. */
    private final class OpenClBuffer implements DeviceBuffer {
        private final MemorySegment mem;
        private final long bytes;
        private boolean released;

        private OpenClBuffer(MemorySegment mem, long bytes) {
            this.mem = mem;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            synchronized (OpenClRuntime.this) {
                if (!released && !closed) {
                    released = true;
                    OpenClErrors.check(api.releaseMemObject(mem), "clReleaseMemObject");
                }
            }
        }
    }

    /** A built cl_program and the kernels created from it so far, by name. */
    private final class OpenClProgram implements DeviceProgram {
        private final MemorySegment program;
        private final Map<String, MemorySegment> kernels = new HashMap<>();
        private boolean released;

        private OpenClProgram(MemorySegment program) {
            this.program = program;
        }

        private MemorySegment kernel(String name) {
            MemorySegment k = kernels.get(name);
            if (k == null) {
                try (Arena scratch = Arena.ofConfined()) {
                    MemorySegment error = scratch.allocate(JAVA_INT);
                    k = api.createKernel(program, scratch.allocateFrom(name), error);
                    OpenClErrors.check(error.get(JAVA_INT, 0), "clCreateKernel(" + name + ")");
                }
                kernels.put(name, k);
            }
            return k;
        }

        @Override
        public void close() {
            synchronized (OpenClRuntime.this) {
                if (released) {
                    return;
                }
                released = true;
                for (MemorySegment k : kernels.values()) {
                    api.releaseKernel(k);
                }
                api.releaseProgram(program);
                programs.remove(this);
            }
        }
    }
}
