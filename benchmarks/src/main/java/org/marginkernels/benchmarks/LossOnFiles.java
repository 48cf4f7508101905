package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Reduction;
import org.marginkernels.StepResult;

/**
 * Runs one training step of any catalogue loss on a problem stored as files, so that another framework (an oracle
 * such as torch_compare.py) can check the loss, the per-row losses, both gradients and the new state.
 *
 * <p>The folder holds (raw little-endian, row-major):
 * <ul>
 *   <li>{@code shape.txt}: "B D C";</li>
 *   <li>{@code features.f32} (B x D float32), {@code weights.f32} (C x D float32; C K x D for a loss of K
 *       sub-centers per class), {@code labels.i32} (B int32, -1 =
 *       ignore);</li>
 *   <li>optional {@code state.txt}: the state the step starts from, one "name value" per line (as written
 *       below);</li>
 *   <li>optional {@code sample-weights.f32} (B float32) and {@code row-margins.f32} (B float32, the values the
 *       margin reads as {@code Exprs.ROW_MARGIN}; a loss's own state rule replaces them).</li>
 * </ul>
 * It writes {@code loss.txt} ("loss scale counted-rows"), {@code featureGrad.f32}, {@code weightGrad.f32},
 * {@code state-out.txt} (the state the next step starts from) and, for {@code --reduction none},
 * {@code row-losses.f64} (B float64).
 *
 * <p>How to run:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     org.marginkernels.benchmarks.LossOnFiles FOLDER [backend] [--loss NAME] [--scale S] [--reduction mean|sum|none] \
 *     [--label-smoothing EPS]
 * </pre>
 * The default loss is the benchmarks' ArcFace (m = 0.5, s = 64); NAME is any {@code LossCatalogue} name, at scale
 * S (default 64; AdaCos entries keep their own policy); EPS (default 0) sets label smoothing on it.
 */
public final class LossOnFiles {

    private LossOnFiles() {
    }

    /**
     * Reads the problem, runs one step on the backend (default reference) and writes the results.
     *
     * @param args the folder, then optionally the backend name and the options
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: LossOnFiles FOLDER [backend] [--loss NAME] [--scale S] "
                    + "[--reduction mean|sum|none] [--label-smoothing EPS]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        String backendName = args.length > 1 && !args[1].startsWith("--") ? args[1] : "reference";
        String lossName = option(args, "--loss", "arcface");
        double scale = Double.parseDouble(option(args, "--scale", "64"));
        Reduction reduction = Reduction.valueOf(option(args, "--reduction", "mean").toUpperCase(Locale.ROOT));
        double labelSmoothing = Double.parseDouble(option(args, "--label-smoothing", "0"));
        String[] dims = Files.readString(dir.resolve("shape.txt")).trim().split("\\s+");
        Shape shape = new Shape(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]), Integer.parseInt(dims[2]));
        float[] features = readFloats(dir.resolve("features.f32"), shape.batch() * shape.dim());
        int[] labels = readInts(dir.resolve("labels.i32"), shape.batch());
        MarginSoftmax loss = lossName.equals("arcface") && scale == ArcFaceLosses.SCALE ? ArcFaceLosses.arcFace()
                : LossCatalogue.withScale(scale).get(lossName);
        if (loss == null) {
            throw new IllegalArgumentException("--loss must be one of " + LossCatalogue.all().keySet() + ", got "
                    + lossName);
        }
        loss = loss.toBuilder().reduction(reduction).labelSmoothing(labelSmoothing).build();
        // a sub-center loss's weights hold K rows per class
        float[] weights = readFloats(dir.resolve("weights.f32"), shape.classes() * loss.subCenters() * shape.dim());
        if (Files.exists(dir.resolve("sample-weights.f32"))) {
            loss = loss.withSampleWeights(readFloats(dir.resolve("sample-weights.f32"), shape.batch()));
        }
        if (Files.exists(dir.resolve("row-margins.f32"))) {
            loss = loss.withRowMargins(readFloats(dir.resolve("row-margins.f32"), shape.batch()));
        }
        LossState state = Files.exists(dir.resolve("state.txt")) ? readState(dir.resolve("state.txt"))
                : LossState.empty();
        float[] featureGrad = new float[features.length];
        float[] weightGrad = new float[weights.length];
        try (Backend backend = Backends.named(backendName)) {
            StepResult r = backend.step(loss, state, features, weights, labels, shape.dim(), featureGrad,
                    weightGrad);
            Files.writeString(dir.resolve("loss.txt"), String.format(Locale.ROOT, "%.17g %.17g %d%n",
                    r.result().loss(), r.result().scale(), r.result().rows()));
            writeState(dir.resolve("state-out.txt"), r.state());
            if (reduction == Reduction.NONE) {
                ByteBuffer rows = ByteBuffer.allocate(8 * shape.batch()).order(ByteOrder.LITTLE_ENDIAN);
                r.result().rowLosses().forEach(rows::putDouble);
                Files.write(dir.resolve("row-losses.f64"), rows.array());
            }
        }
        writeFloats(dir.resolve("featureGrad.f32"), featureGrad);
        writeFloats(dir.resolve("weightGrad.f32"), weightGrad);
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 1; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** A state file: one "name value" per line, values in Java's decimal form. */
    static LossState readState(Path file) throws IOException {
        Map<String, Double> values = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                values.put(parts[0], Double.parseDouble(parts[1]));
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException(file + ": expected 'name value', got '" + line + "'");
            }
        }
        return new LossState(values);
    }

    static void writeState(Path file, LossState state) throws IOException {
        StringBuilder sb = new StringBuilder();
        state.values().forEach((name, value) -> sb.append(name).append(' ').append(value).append('\n'));
        Files.writeString(file, sb.toString());
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
