package org.marginkernels.benchmarks;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.StepResult;

/**
 * How much memory one fused ArcFace forward+backward takes beyond its inputs and gradients, compared with the
 * workspace budget ({@link BackendOptions#DEFAULT_WORKSPACE_BYTES}) and with the B x C float logits a non-fused
 * implementation would materialize.
 *
 * <p>Method: the inputs and both gradient arrays are allocated first and the heap in use after a full GC is the
 * baseline. Then, for {@value #CALLS} calls (the first creates cached workspaces and, like the second, runs while the
 * JIT is still compiling the kernels, whose boxed vectors are garbage; the last shows the steady state):
 * <ul>
 * <li>allocated: the bytes every Java thread allocated on the heap during the call
 *     ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}, which also counts threads that ended);
 *     an upper bound on new live memory, since short-lived garbage counts too;</li>
 * <li>heap peak: after a full GC, the sum over heap pools of their peak usage during the call, minus the baseline;
 *     an upper bound on the peak live extra memory (including what the backend kept from earlier calls), since
 *     pools may peak at different moments and garbage counts until collected;</li>
 * <li>direct peak: native memory of the JDK's "direct" buffer pool (direct buffers and, on current JDKs, native
 *     {@code MemorySegment}s), sampled every millisecond by a thread that allocates nothing.</li>
 * </ul>
 * Limits: memory that native code allocates itself (malloc in a driver) and thread stacks are not seen; the
 * retained line (heap after a full GC once every call returned) shows caches the backend keeps between calls.
 *
 * <p>How to run (the heap must hold 4.2 GB of inputs and gradients at 1M classes):
 * <pre>
 * java -Xmx10g --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     org.marginkernels.benchmarks.FusedMemoryProbe 128x512x1000000 cpu
 * </pre>
 */
public final class FusedMemoryProbe {

    /** Calls measured; at 128 x 512 x 1M the third is the first one with every kernel compiled. */
    static final int CALLS = 4;

    private static final double MIB = 1 << 20;

    private FusedMemoryProbe() {
    }

    /**
     * Runs the probe and prints one line per measurement.
     *
     * @param args optional shape "BxDxC" (default 128x512x1000000), backend name (default cpu) and catalogue loss
     *     name (default the benchmarks' ArcFace)
     */
    public static void main(String[] args) throws InterruptedException {
        Shape shape = Shape.parse(args.length > 0 ? args[0] : "128x512x1000000");
        String backendName = args.length > 1 ? args[1] : "cpu";
        // a catalogue loss by name (third argument), stepping through Backend.step with its state carried
        MarginSoftmax loss = args.length > 2 ? LossCatalogue.named(args[2]) : ArcFaceLosses.arcFace();
        LossState state = LossState.empty();
        LossProblem p = LossProblem.random(shape, loss.subCenters(), LossProblem.SEED);
        long inputBytes = 4L * (p.features().length + p.weights().length) + 4L * p.labels().length;
        long gradientBytes = 4L * (p.featureGrad().length + p.weightGrad().length);

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();

        long baseline = heapUsedAfterGc();
        long directBaseline = direct.getMemoryUsed();
        System.out.printf(Locale.ROOT, "shape %s, backend %s, %s%n", shape, backendName, Runtime.version());
        System.out.printf(Locale.ROOT, "inputs %.1f MiB + gradients %.1f MiB; heap in use after GC %.1f MiB%n",
                inputBytes / MIB, gradientBytes / MIB, baseline / MIB);

        try (Backend backend = Backends.named(backendName)) {
            for (int call = 1; call <= CALLS; call++) {
                // collect first, so that the pool peaks start from live data rather than the last call's garbage
                heapUsedAfterGc();
                heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
                AtomicLong directPeak = new AtomicLong(direct.getMemoryUsed());
                AtomicBoolean running = new AtomicBoolean(true);
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (running.get()) {
                        directPeak.accumulateAndGet(direct.getMemoryUsed(), Math::max);
                        sleepMillis();
                    }
                });
                long allocatedBefore = threads.getTotalThreadAllocatedBytes();
                long start = System.nanoTime();
                StepResult stepped = backend.step(loss, state, p.features(), p.weights(), p.labels(), shape.dim(),
                        p.featureGrad(), p.weightGrad());
                long nanos = System.nanoTime() - start;
                LossResult result = stepped.result();
                state = stepped.state();
                long allocated = threads.getTotalThreadAllocatedBytes() - allocatedBefore;
                running.set(false);
                sampler.join();
                long heapPeak = heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
                System.out.printf(Locale.ROOT, "call %d: loss %.6f in %.0f ms%n", call, result.loss(), nanos / 1e6);
                report("  allocated on the heap", allocated, shape);
                report("  heap peak beyond inputs+gradients", heapPeak - baseline, shape);
                report("  direct memory peak", directPeak.get() - directBaseline, shape);
            }
            report("retained by the backend after all calls (heap after GC)", heapUsedAfterGc() - baseline, shape);
        }
    }

    private static void report(String what, long bytes, Shape shape) {
        System.out.printf(Locale.ROOT, "%s: %.1f MiB = %.3f x workspace budget (%.0f MiB) = %.4f x B*C*4 (%.1f MiB)%n",
                what, bytes / MIB, bytes / (double) BackendOptions.DEFAULT_WORKSPACE_BYTES,
                BackendOptions.DEFAULT_WORKSPACE_BYTES / MIB, bytes / (double) shape.logitBytes(),
                shape.logitBytes() / MIB);
    }

    private static long heapUsedAfterGc() {
        // two collections: the first may only promote, the second finds the survivors' true size
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void sleepMillis() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
