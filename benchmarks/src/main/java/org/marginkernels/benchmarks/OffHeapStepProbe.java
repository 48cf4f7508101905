package org.marginkernels.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;

/**
 * Time and peak memory of ArcFace forward+backward steps with the class weights and their gradient off-heap
 * ({@link Backend#forwardBackward(MarginSoftmax, float[], MemorySegment, long, int, int[], int, float[],
 * MemorySegment, long)}), at a class count whose weights exceed the largest Java array; or, for comparison at a
 * shape that fits, the same steps through float[] weights.
 *
 * <p>Each of W and dW is "native" (a shared arena's memory), "mapped" (a file under {@code dir}, mapped
 * READ_WRITE into a shared arena: its pages are page cache, which the kernel writes back and may evict when memory
 * is short), or "heap" (float[] on the Java heap; both must then be heap). Prints the time of each step and, from
 * /proc/self/status, the peak resident set (VmHWM) and the resident set split into anonymous and file pages.
 *
 * <p>How to run (2 steps after a warm-up step, W in native memory, dW in a file mapped from target/):
 * <pre>
 * java -Xmx2g --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     org.marginkernels.benchmarks.OffHeapStepProbe 64x512x5000000 native mapped benchmarks/target 3
 * </pre>
 */
public final class OffHeapStepProbe {

    private static final double GIB = 1L << 30;

    private OffHeapStepProbe() {
    }

    /**
     * @param args shape "BxDxC", W's memory, dW's memory (native, mapped or heap), the directory for mapped files,
     *     the number of steps
     */
    public static void main(String[] args) throws IOException {
        Shape shape = Shape.parse(args[0]);
        int batch = shape.batch();
        int dim = shape.dim();
        int classes = shape.classes();
        String wKind = args[1];
        String dwKind = args[2];
        Path dir = Path.of(args[3]);
        int steps = Integer.parseInt(args[4]);
        long floats = (long) classes * dim;
        MarginSoftmax loss = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64).build();
        SplittableRandom random = new SplittableRandom(14);
        float[] features = new float[batch * dim];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) (random.nextDouble() * 2 - 1);
        }
        int[] labels = random.ints(batch, 0, classes).toArray();
        float[] featureGrad = new float[features.length];
        report(String.format(Locale.ROOT, "shape %dx%dx%d, W %s, dW %s: %d floats (%.2f GiB) each", batch, dim,
                classes, wKind, dwKind, floats, 4 * floats / GIB));
        try (Arena arena = Arena.ofShared(); Backend cpu = Backends.named("cpu")) {
            if (wKind.equals("heap")) {
                float[] w = new float[Math.toIntExact(floats)];
                fill(MemorySegment.ofArray(w), floats, dim);
                float[] dw = new float[w.length];
                report("filled");
                for (int s = 0; s < steps; s++) {
                    long t0 = System.nanoTime();
                    LossResult r = cpu.forwardBackward(loss, features, w, labels, dim, featureGrad, dw);
                    step(s, t0, r);
                }
                return;
            }
            MemorySegment w = allocate(wKind, arena, floats, dir.resolve("offheap-weights.f32"));
            fill(w, floats, dim);
            MemorySegment dw = allocate(dwKind, arena, floats, dir.resolve("offheap-weight-grad.f32"));
            report("filled");
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                LossResult r = cpu.forwardBackward(loss, features, w, 0, classes, labels, dim, featureGrad, dw, 0);
                step(s, t0, r);
            }
        }
    }

    private static MemorySegment allocate(String kind, Arena arena, long floats, Path file) throws IOException {
        long bytes = 4 * floats;
        if (kind.equals("native")) {
            return arena.allocate(bytes, 4);
        }
        if (!kind.equals("mapped")) {
            throw new IllegalArgumentException("W and dW are native, mapped or heap (both), got " + kind);
        }
        Files.deleteIfExists(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            // the mapping outlives the channel; the file's name goes when the channel closes, its pages with the arena
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        }
    }

    /** Uniform weights in [-1, 1), written in row blocks by all cores: 2.5e9 floats take seconds, not minutes. */
    private static void fill(MemorySegment w, long floats, int dim) {
        long rows = floats / dim;
        int blocks = (int) ((rows + 4095) / 4096);
        IntStream.range(0, blocks).parallel().forEach(b -> {
            SplittableRandom r = new SplittableRandom(b);
            long first = (long) b * 4096;
            int n = (int) Math.min(4096, rows - first);
            float[] block = new float[n * dim];
            for (int i = 0; i < block.length; i++) {
                block[i] = (float) (r.nextDouble() * 2 - 1);
            }
            MemorySegment.copy(block, 0, w, ValueLayout.JAVA_FLOAT, first * dim * 4, block.length);
        });
    }

    private static void step(int s, long t0, LossResult r) throws IOException {
        double seconds = (System.nanoTime() - t0) / 1e9;
        report(String.format(Locale.ROOT, "step %d: %.2f s, loss %.4f", s, seconds, r.loss()));
    }

    /** One line: the message and this process's VmHWM, VmRSS, RssAnon and RssFile in GiB. */
    private static void report(String message) throws IOException {
        List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
        StringBuilder line = new StringBuilder(message);
        for (String key : new String[] {"VmHWM", "VmRSS", "RssAnon", "RssFile"}) {
            for (String s : status) {
                if (s.startsWith(key + ":")) {
                    long kib = Long.parseLong(s.replaceAll("\\D", ""));
                    line.append(String.format(Locale.ROOT, " | %s %.2f GiB", key, kib / (double) (1 << 20)));
                }
            }
        }
        System.out.println(line);
    }
}
