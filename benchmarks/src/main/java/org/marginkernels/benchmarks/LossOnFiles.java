package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossResult;

/**
 * Runs the benchmarks' ArcFace step (m = 0.5, s = 64) on a problem stored as files, so that another framework
 * (torch_compare.py) can check that it computes the same loss and gradients. The folder holds {@code shape.txt}
 * ("B D C"), {@code features.f32}, {@code weights.f32} (raw little-endian float32, row-major) and
 * {@code labels.i32} (little-endian int32); this writes {@code loss.txt}, {@code featureGrad.f32} and
 * {@code weightGrad.f32} beside them.
 *
 * <p>How to run:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     org.marginkernels.benchmarks.LossOnFiles FOLDER [backend]
 * </pre>
 */
public final class LossOnFiles {

    private LossOnFiles() {
    }

    /**
     * Reads the problem, runs forward+backward on the backend (default reference) and writes the results.
     *
     * @param args the folder, then optionally the backend name
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: LossOnFiles FOLDER [backend]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        String[] dims = Files.readString(dir.resolve("shape.txt")).trim().split("\\s+");
        Shape shape = new Shape(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2]));
        float[] features = readFloats(dir.resolve("features.f32"), shape.batch() * shape.dim());
        float[] weights = readFloats(dir.resolve("weights.f32"), shape.classes() * shape.dim());
        int[] labels = readInts(dir.resolve("labels.i32"), shape.batch());
        float[] featureGrad = new float[features.length];
        float[] weightGrad = new float[weights.length];
        try (Backend backend = Backends.named(args.length > 1 ? args[1] : "reference")) {
            LossResult r = backend.forwardBackward(ArcFaceLosses.arcFace(), features, weights, labels, shape.dim(),
                    featureGrad, weightGrad);
            Files.writeString(dir.resolve("loss.txt"), String.format(Locale.ROOT, "%.9g%n", r.loss()));
        }
        writeFloats(dir.resolve("featureGrad.f32"), featureGrad);
        writeFloats(dir.resolve("weightGrad.f32"), weightGrad);
    }

    private static ByteBuffer read(Path file, long expectedBytes) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != expectedBytes) {
            throw new IllegalArgumentException(file + " must hold " + expectedBytes + " bytes, has " + bytes.length);
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] readFloats(Path file, int count) throws IOException {
        float[] out = new float[count];
        read(file, 4L * count).asFloatBuffer().get(out);
        return out;
    }

    private static int[] readInts(Path file, int count) throws IOException {
        int[] out = new int[count];
        read(file, 4L * count).asIntBuffer().get(out);
        return out;
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        Files.write(file, buffer.array());
    }
}
