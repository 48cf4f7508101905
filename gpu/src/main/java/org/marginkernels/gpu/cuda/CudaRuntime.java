package org.marginkernels.gpu.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.marginkernels.gpu.cuda.CudaErrors.checkDriver;
import static org.marginkernels.gpu.cuda.NativeCalls.status;

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
 * One CUDA device through the driver API: its primary context, NVRTC compilation of CUDA C to PTX for the device's
 * compute capability, cuModuleLoadData, cuMemAlloc/cuMemcpy/cuMemFree and cuLaunchKernel on the default stream.
 * <strong>Unverified on hardware</strong> unless GpuCheck has been run on an NVIDIA machine: this build machine has
 * no GPU, so only the unavailability path runs in the unit tests.
 */
public final class CudaRuntime implements DeviceRuntime {

    private static final int CUDA_ERROR_NO_DEVICE = 100;

    private final CudaDriverApi driver;
    private final NvrtcCompiler nvrtc;
    private final int device;
    private final MemorySegment context;
    private final String architecture;
    private final String description;
    private final List<CudaModule> modules = new ArrayList<>();
    private boolean closed;

    private CudaRuntime(CudaDriverApi driver, NvrtcCompiler nvrtc, int device, MemorySegment context,
            String architecture, String description) {
        this.driver = driver;
        this.nvrtc = nvrtc;
        this.device = device;
        this.context = context;
        this.architecture = architecture;
        this.description = description;
    }

    /**
     * Opens CUDA device {@code index} with its primary context.
     *
     * @param libraryName the driver library, normally {@value CudaDriverApi#LIBRARY}
     * @throws UnsupportedOperationException "libcuda.so.1 not found", "no CUDA device", "CUDA device N does not
     *         exist", "libnvrtc.so not found ...", or the failing cuInit status
     */
    public static CudaRuntime open(String libraryName, int index) {
        CudaDriverApi driver = new CudaDriverApi(libraryName);
        int init = status(driver.init, 0);
        if (init == CUDA_ERROR_NO_DEVICE) {
            throw new UnsupportedOperationException("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
        }
        if (init != 0) {
            throw new UnsupportedOperationException("cuInit failed: " + CudaErrors.driverName(init) + " (" + init
                    + ")");
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment count = scratch.allocate(JAVA_INT);
            checkDriver(status(driver.deviceGetCount, count), "cuDeviceGetCount");
            int devices = count.get(JAVA_INT, 0);
            if (devices == 0) {
                throw new UnsupportedOperationException("no CUDA device");
            }
            if (index >= devices) {
                throw new UnsupportedOperationException("CUDA device " + index + " does not exist (" + devices
                        + " devices)");
            }
            NvrtcCompiler nvrtc = NvrtcCompiler.open();
            MemorySegment handle = scratch.allocate(JAVA_INT);
            checkDriver(status(driver.deviceGet, handle, index), "cuDeviceGet");
            int dev = handle.get(JAVA_INT, 0);
            MemorySegment name = scratch.allocate(JAVA_BYTE, 256);
            checkDriver(status(driver.deviceGetName, name, 256, dev), "cuDeviceGetName");
            MemorySegment major = scratch.allocate(JAVA_INT);
            MemorySegment minor = scratch.allocate(JAVA_INT);
            checkDriver(status(driver.deviceGetAttribute, major, CudaDriverApi.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                    dev), "cuDeviceGetAttribute");
            checkDriver(status(driver.deviceGetAttribute, minor, CudaDriverApi.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                    dev), "cuDeviceGetAttribute");
            MemorySegment ctx = scratch.allocate(ADDRESS);
            checkDriver(status(driver.primaryCtxRetain, ctx, dev), "cuDevicePrimaryCtxRetain");
            String arch = "compute_" + major.get(JAVA_INT, 0) + minor.get(JAVA_INT, 0);
            return new CudaRuntime(driver, nvrtc, dev, ctx.get(ADDRESS, 0), arch, "CUDA "
                    + name.getString(0, StandardCharsets.UTF_8).strip() + " (" + arch + ")");
        }
    }

    @Override
    public String description() {
        return description;
    }

    /** Compiles CUDA C to PTX with NVRTC for this device's compute capability; the log goes into failures. */
    @Override
    public synchronized DeviceProgram compile(String source) {
        checkOpen();
        byte[] ptx = nvrtc.compileToPtx(source, architecture);
        makeCurrent();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment image = scratch.allocate(ptx.length + 1L);
            MemorySegment.copy(ptx, 0, image, JAVA_BYTE, 0, ptx.length);
            MemorySegment module = scratch.allocate(ADDRESS);
            checkDriver(status(driver.moduleLoadData, module, image), "cuModuleLoadData");
            CudaModule m = new CudaModule(module.get(ADDRESS, 0));
            modules.add(m);
            return m;
        }
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        checkOpen();
        makeCurrent();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment ptr = scratch.allocate(JAVA_LONG);
            checkDriver(status(driver.memAlloc, ptr, Math.max(bytes, 4)), "cuMemAlloc(" + bytes + " bytes)");
            return new CudaBuffer(ptr.get(JAVA_LONG, 0), bytes);
        }
    }

    @Override
    public synchronized void write(DeviceBuffer target, MemorySegment host) {
        checkOpen();
        if (host.byteSize() > 0) {
            makeCurrent();
            checkDriver(status(driver.memcpyHtoD, ((CudaBuffer) target).ptr, host, host.byteSize()), "cuMemcpyHtoD");
        }
    }

    @Override
    public synchronized void read(DeviceBuffer source, MemorySegment host) {
        checkOpen();
        if (host.byteSize() > 0) {
            makeCurrent();
            checkDriver(status(driver.memcpyDtoH, host, ((CudaBuffer) source).ptr, host.byteSize()), "cuMemcpyDtoH");
        }
    }

    @Override
    public synchronized void launch(DeviceProgram program, String kernel, int groupsX, int groupsY, int localX,
            int localY, Object... args) {
        checkOpen();
        makeCurrent();
        MemorySegment function = ((CudaModule) program).function(kernel);
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment params = scratch.allocate(ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment value = switch (args[i]) {
                    case CudaBuffer b -> scratch.allocateFrom(JAVA_LONG, b.ptr);
                    case Integer v -> scratch.allocateFrom(JAVA_INT, v);
                    case Float v -> scratch.allocateFrom(JAVA_FLOAT, v);
                    default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i]);
                };
                params.setAtIndex(ADDRESS, i, value);
            }
            checkDriver(status(driver.launchKernel, function, groupsX, groupsY, 1, localX, localY, 1, 0,
                    MemorySegment.NULL, params, MemorySegment.NULL), "cuLaunchKernel(" + kernel + ")");
        }
    }

    @Override
    public synchronized void finish() {
        checkOpen();
        makeCurrent();
        checkDriver(status(driver.ctxSynchronize), "cuCtxSynchronize");
    }

    // a released context or queue is a dangling native handle: fail cleanly instead
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the CUDA runtime is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        makeCurrent();
        status(driver.ctxSynchronize);
        for (CudaModule m : List.copyOf(modules)) {
            m.close();
        }
        status(driver.primaryCtxRelease, device);
    }

    private void makeCurrent() {
        checkDriver(status(driver.ctxSetCurrent, context), "cuCtxSetCurrent");
    }

    /** A device allocation; freed once. */
    private final class CudaBuffer implements DeviceBuffer {
        private final long ptr;
        private final long bytes;
        private boolean freed;

        private CudaBuffer(long ptr, long bytes) {
            this.ptr = ptr;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            synchronized (CudaRuntime.this) {
                if (!freed && !closed) {
                    freed = true;
                    makeCurrent();
                    checkDriver(status(driver.memFree, ptr), "cuMemFree");
                }
            }
        }
    }

    /** A loaded CUmodule and the functions looked up so far, by name. */
    private final class CudaModule implements DeviceProgram {
        private final MemorySegment module;
        private final Map<String, MemorySegment> functions = new HashMap<>();
        private boolean unloaded;

        private CudaModule(MemorySegment module) {
            this.module = module;
        }

        private MemorySegment function(String name) {
            MemorySegment f = functions.get(name);
            if (f == null) {
                try (Arena scratch = Arena.ofConfined()) {
                    MemorySegment out = scratch.allocate(ADDRESS);
                    checkDriver(status(driver.moduleGetFunction, out, module, scratch.allocateFrom(name)),
                            "cuModuleGetFunction(" + name + ")");
                    f = out.get(ADDRESS, 0);
                }
                functions.put(name, f);
            }
            return f;
        }

        @Override
        public void close() {
            synchronized (CudaRuntime.this) {
                if (!unloaded) {
                    unloaded = true;
                    makeCurrent();
                    status(driver.moduleUnload, module);
                    modules.remove(this);
                }
            }
        }
    }
}
