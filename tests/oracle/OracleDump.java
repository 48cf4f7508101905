import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.marginkernels.Backend;
import org.marginkernels.Backends;
import org.marginkernels.ElasticFace;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.RegressionLoss;
import org.marginkernels.StepResult;
import org.marginkernels.testsupport.Problem;

/**
 * Writes, for every catalogue loss and four seeded problems (with rows whose target cosine is within rounding of
 * +-1 and ignored rows), the inputs and the reference backend's loss, scale and gradients, for check_against_torch.py.
 * For every catalogue regression loss (Wing, Adaptive Wing) and four seeded problems, the predictions, targets and
 * the reference backend's loss and gradient, in directories named {@code regression-<loss>-<seed>}.
 * A single-file program: run by check_against_torch.sh with the kernels module's classes and test classes.
 */
public final class OracleDump {

    private OracleDump() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int[][] shapes = {{6, 8, 11}, {1, 3, 4}, {9, 16, 37}, {4, 2, 5}};
        try (Backend reference = Backends.named("reference")) {
            regressions(reference, out);
            for (Map.Entry<String, MarginSoftmax> e : LossCatalogue.all().entrySet()) {
                for (int seed = 0; seed < shapes.length; seed++) {
                    // a stateful loss runs three steps on three batches, its state carried from step to step
                    int steps = e.getValue().hasState() ? 3 : 1;
                    LossState state = LossState.empty();
                    for (int step = 1; step <= steps; step++) {
                        int[] s = shapes[seed];
                        Problem p = Problem.forLoss(e.getValue(), 100 + seed + 1000L * (step - 1), s[0], s[1], s[2],
                                0.3, 0.15);
                        Path dir = Files.createDirectories(out.resolve(e.getKey() + "-" + seed + "@" + step));
                        float[] gx = new float[p.features().length];
                        float[] gw = new float[p.weights().length];
                        StepResult r = reference.step(e.getValue(), state, p.features(), p.weights(), p.labels(),
                                p.dim(), gx, gw);
                        state = r.state();
                        write(dir.resolve("x.f32"), p.features());
                        write(dir.resolve("w.f32"), p.weights());
                        write(dir.resolve("gx.f32"), gx);
                        write(dir.resolve("gw.f32"), gw);
                        ByteBuffer labels = ByteBuffer.allocate(4 * p.batch()).order(ByteOrder.LITTLE_ENDIAN);
                        for (int y : p.labels()) {
                            labels.putInt(y);
                        }
                        Files.write(dir.resolve("y.i32"), labels.array());
                        double[] margins = elasticMargins(e.getKey(), p, step);
                        if (margins != null) {
                            ByteBuffer mi = ByteBuffer.allocate(8 * margins.length).order(ByteOrder.LITTLE_ENDIAN);
                            for (double v : margins) {
                                mi.putDouble(v);
                            }
                            Files.write(dir.resolve("mi.f64"), mi.array());
                        }
                        Files.writeString(dir.resolve("meta.txt"), String.format(Locale.ROOT, "%d %d %d %.17g %.17g",
                                s[0], s[1], p.classes(), r.result().loss(), r.result().scale()));
                    }
                }
            }
        }
    }

    /**
     * Regression problems of samples x dim coordinates: targets on a grid (Wing: [-20, 20]; Adaptive Wing: heatmap
     * values in [0, 1], half of them 0), residuals from 0 (exactly, and tiny) through the kink |x| = w or theta to
     * three times past it.
     */
    private static void regressions(Backend reference, Path out) throws IOException {
        int[][] shapes = {{4, 10}, {1, 1}, {7, 3}, {16, 10}};
        for (Map.Entry<String, RegressionLoss> e : LossCatalogue.regressions().entrySet()) {
            RegressionLoss loss = e.getValue();
            boolean unit = loss.targetMax() <= 1;
            double width = e.getKey().equals("wing") ? 10 : 0.5;
            for (int seed = 0; seed < shapes.length; seed++) {
                int samples = shapes[seed][0];
                int dim = shapes[seed][1];
                Random random = new Random(200 + seed);
                float[] p = new float[samples * dim];
                float[] t = new float[p.length];
                for (int i = 0; i < p.length; i++) {
                    t[i] = unit ? (random.nextBoolean() ? 0 : random.nextFloat())
                            : (float) (random.nextInt(321) / 8.0 - 20);
                    double x = switch (i % 5) {
                        case 0 -> i % 2 == 0 ? 0 : 1e-4 * random.nextGaussian();
                        case 1 -> (random.nextBoolean() ? 1 : -1) * width;
                        default -> (random.nextDouble() * 2 - 1) * 3 * width;
                    };
                    p[i] = (float) (t[i] + x);
                }
                float[] g = new float[p.length];
                double l = reference.regressionLoss(loss, p, t, dim, g);
                Path dir = Files.createDirectories(out.resolve("regression-" + e.getKey() + "-" + seed));
                write(dir.resolve("p.f32"), p);
                write(dir.resolve("t.f32"), t);
                write(dir.resolve("g.f32"), g);
                Files.writeString(dir.resolve("meta.txt"), String.format(Locale.ROOT, "%d %d %.17g", samples, dim,
                        l));
            }
        }
    }

    /**
     * The per-row margins an ElasticFace catalogue loss draws at a step, per counted row: the draws depend on
     * the target cosines (the Plus assignment), computed here as the facade computes them, in double.
     */
    private static double[] elasticMargins(String name, Problem p, int step) {
        if (!name.startsWith("elasticface")) {
            return null;
        }
        int counted = 0;
        for (int y : p.labels()) {
            counted += y < 0 ? 0 : 1;
        }
        double[] cy = new double[counted];
        int n = 0;
        for (int i = 0; i < p.batch(); i++) {
            int y = p.labels()[i];
            if (y < 0) {
                continue;
            }
            double dot = 0;
            double xx = 0;
            double ww = 0;
            for (int k = 0; k < p.dim(); k++) {
                double a = p.features()[i * p.dim() + k];
                double b = p.weights()[y * p.dim() + k];
                dot += a * b;
                xx += a * a;
                ww += b * b;
            }
            cy[n++] = Math.min(1, Math.max(-1, dot / Math.sqrt(xx) / Math.sqrt(ww)));
        }
        double m = name.equals("elasticface-cos") ? 0.35 : 0.5;
        ElasticFace.Assignment a = name.endsWith("plus") ? ElasticFace.Assignment.PLUS_CODE
                : ElasticFace.Assignment.RANDOM;
        return ElasticFace.margins(LossCatalogue.ELASTIC_SEED, step, m, LossCatalogue.ELASTIC_SIGMA, a, cy);
    }

    private static void write(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        Files.write(file, b.array());
    }
}
