package org.marginkernels.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.marginkernels.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The example trainer's command line: trains an MLP embedding model with a margin loss computed by the library,
 * then reports open-set verification accuracy, closed-set accuracy and the margin head's throughput.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -jar examples/target/margin-kernels-examples.jar --loss cosface --margin 0.35
 * </pre>
 */
@Command(name = "margin-kernels-examples", mixinStandardHelpOptions = true, version = "margin-kernels 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Trains an embedding model (a pure-Java MLP) with a margin-based softmax loss on the fastest"
            + " available margin-kernels backend, then evaluates it as face recognition is evaluated, on identities"
            + " it never saw: verification (accuracy, TAR at FAR 1e-3 and 1e-4) and 1:N identification.",
            "Data: synthetic identities (5000 by default), or Fashion-MNIST with --data fashion-mnist"
            + " (apt-get install dataset-fashion-mnist).",
            ""})
public final class TrainMain implements Callable<Integer> {

    @Option(names = "--loss", paramLabel = "NAME", description = "arcface, arcface-easy, cosface, combined,"
            + " sphereface, none, adacos, adacos-fixed, curricularface, adaface, magface, elasticface-arc,"
            + " elasticface-cos or subcenter-arcface (default: ${DEFAULT-VALUE})")
    String loss = "arcface";

    @Option(names = {"--margin", "-m"}, paramLabel = "M", description = "margin m: arcface/arcface-easy 0.5 rad,"
            + " cosface 0.35, sphereface 4 (integer) by default")
    double margin = Double.NaN;

    @Option(names = "--m1", paramLabel = "M1", description = "combined: multiplicative angular margin (default 1.0)")
    double m1 = Double.NaN;

    @Option(names = "--m2", paramLabel = "M2", description = "combined: additive angular margin in rad (default 0.3)")
    double m2 = Double.NaN;

    @Option(names = "--m3", paramLabel = "M3", description = "combined: additive cosine margin (default 0.2)")
    double m3 = Double.NaN;

    @Option(names = {"--scale", "-s"}, paramLabel = "S", description = "fixed scale s; AdaCos losses choose their"
            + " own (default: ${DEFAULT-VALUE})")
    double scale = 64;

    @Option(names = "--negative", paramLabel = "KIND", description = "negative transform: none, sv (SV-Softmax) or"
            + " mv (MV-Softmax) (default: ${DEFAULT-VALUE})")
    String negative = "none";

    @Option(names = "--t", paramLabel = "T", description = "negative transform parameter (default sv 1.2, mv 0.2)")
    double t = Double.NaN;

    @Option(names = "--focal", paramLabel = "GAMMA", description = "focal loss gamma, 0 = cross-entropy"
            + " (default: ${DEFAULT-VALUE})")
    double focal = 0;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "label smoothing epsilon in [0, 1], as "
            + "torch's cross_entropy(label_smoothing) (default: ${DEFAULT-VALUE})")
    double labelSmoothing = 0;

    @Option(names = "--epochs", paramLabel = "N", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs = 8;

    @Option(names = "--batch", paramLabel = "B", description = "samples per step (default: ${DEFAULT-VALUE})")
    int batch = 256;

    @Option(names = "--lr", paramLabel = "LR", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr = 0.1;

    @Option(names = "--momentum", paramLabel = "MU", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum = 0.9;

    @Option(names = "--weight-decay", paramLabel = "LAMBDA", description = "L2 weight decay on weights (default: ${DEFAULT-VALUE})")
    double weightDecay = 5e-4;

    @Option(names = "--warmup-epochs", paramLabel = "EPOCHS", description = "linear learning-rate warm-up, then cosine decay"
            + " (default: ${DEFAULT-VALUE})")
    double warmupEpochs = 1;

    @Option(names = "--backend", paramLabel = "NAME", description = "best, or a backend name: reference, cpu,"
            + " opencl, cuda (default: ${DEFAULT-VALUE})")
    String backend = "best";

    @Option(names = "--threads", paramLabel = "N", description = "threads for the model and the backend, 0 = all processors"
            + " (default: ${DEFAULT-VALUE})")
    int threads = 0;

    @Option(names = "--data", paramLabel = "SOURCE", description = "synthetic, fashion-mnist, or auto (Fashion-MNIST"
            + " when installed, else synthetic)"
            + " (default: ${DEFAULT-VALUE})")
    String data = "synthetic";

    @Option(names = "--data-dir", paramLabel = "DIR", description = "directory of the Fashion-MNIST IDX files"
            + " (default: " + FashionMnist.DEBIAN_DIR + ")")
    Path dataDir;

    @Option(names = "--seed", paramLabel = "SEED", description = "seed of initialization, shuffling, synthetic data and pairs"
            + " (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--hidden", split = ",", paramLabel = "WIDTHS", description = "hidden layer widths, comma"
            + " separated (default: 256)")
    int[] hidden = {256};

    @Option(names = "--embedding-dim", paramLabel = "D", description = "embedding width (default: ${DEFAULT-VALUE})")
    int embeddingDim = 256;

    @Option(names = "--holdout", paramLabel = "N", description = "classes held out for verification; default 2"
            + " for Fashion-MNIST (Bag, Ankle boot), a fifth of the synthetic identities")
    int holdout = -1;

    @Option(names = "--identities", paramLabel = "N", description = "synthetic identities (default: ${DEFAULT-VALUE})")
    int identities = 5000;

    @Option(names = "--samples-per-identity", paramLabel = "N", description = "synthetic samples per identity"
            + " (default: ${DEFAULT-VALUE})")
    int samplesPerIdentity = 20;

    @Option(names = "--input-dim", paramLabel = "N", description = "width of the synthetic samples"
            + " (default: ${DEFAULT-VALUE})")
    int inputDim = 128;

    @Option(names = "--max-train-samples", paramLabel = "N", description = "train on at most N samples, 0 = all"
            + " (default: ${DEFAULT-VALUE})")
    int maxTrainSamples = 0;

    @Option(names = "--pairs", paramLabel = "N", description = "genuine and as many impostor verification pairs"
            + " (default: ${DEFAULT-VALUE})")
    int pairs = 20000;

    @Option(names = "--plots", paramLabel = "DIR", description = "write loss.png and similarity.png into DIR")
    Path plots;

    @Option(names = {"--quiet", "-q"}, description = "print only the final summary")
    boolean quiet;

    @Option(names = "--list-backends", description = "list the backends and whether each runs here, then exit")
    boolean listBackends;

    @Option(names = "--shards", paramLabel = "N", description = "shard the class weights over N processes joined by"
            + " Hazelcast on loopback; scripts/train.sh --shards N starts them (default: ${DEFAULT-VALUE})")
    int shards = 1;

    @Option(names = "--rank", paramLabel = "R", description = "this process's rank in a sharded run, 0..N-1")
    int rank = -1;

    @Option(names = "--shard-port", paramLabel = "PORT", description = "rank 0's Hazelcast port on 127.0.0.1; rank r"
            + " uses PORT + r (default: ${DEFAULT-VALUE})")
    int shardPort = 5710;

    @Option(names = "--shard-timeout", paramLabel = "SECONDS", description = "a step fails when another process has"
            + " not answered within this time (default: ${DEFAULT-VALUE})")
    double shardTimeout = 30;

    private final PrintStream out;

    TrainMain(PrintStream out) {
        this.out = out;
    }

    /** Runs the trainer; exits with 0 on success, 1 on a failed run, 2 on bad options. */
    public static void main(String[] args) {
        System.exit(commandLine(new TrainMain(System.out)).execute(args));
    }

    /**
     * Parses command-line arguments into a configuration without running anything (for tests and embedding).
     *
     * @throws CommandLine.ParameterException on unknown or malformed options
     */
    public static TrainConfig parse(String... args) {
        TrainMain main = new TrainMain(System.out);
        new CommandLine(main).parseArgs(args);
        return main.config();
    }

    static CommandLine commandLine(TrainMain main) {
        return new CommandLine(main).setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException
                    || e instanceof IllegalStateException || e instanceof IOException
                    || e instanceof UncheckedIOException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
    }

    TrainConfig config() {
        LossSettings lossSettings = new LossSettings(loss, margin, m1, m2, m3, scale, negative, t, focal,
                labelSmoothing);
        return new TrainConfig(lossSettings, epochs, batch, lr, momentum, weightDecay, warmupEpochs, backend, threads,
                data, dataDir, seed, hidden, embeddingDim, holdout, identities, samplesPerIdentity, inputDim, maxTrainSamples,
                pairs, plots, quiet);
    }

    @Override
    public Integer call() throws IOException {
        if (listBackends) {
            for (Backends.Availability a : Backends.availability()) {
                out.println(a.name() + ": " + (a.usable() ? a.reason() : "not usable: " + a.reason()));
            }
            return 0;
        }
        long start = System.nanoTime();
        TrainConfig config = config();
        // a bad loss option fails here, before seconds of data loading
        config.loss().build();
        OpenSetSplit split = TrainingData.load(config, out);
        ShardOptions sharding = shards == 1 ? null : new ShardOptions(shards, rank, shardPort,
                java.time.Duration.ofMillis(Math.round(shardTimeout * 1000)));
        TrainingReport report = new Trainer(config, out, sharding).run(split);
        ReportPrinter.print(report, split, Math.min(config.batch(), split.train().size()), config.embeddingDim(),
                (System.nanoTime() - start) / 1e9, out);
        if (config.plotsDir() != null) {
            Plots.write(report, config.plotsDir());
            out.println("plots: " + config.plotsDir().resolve(Plots.LOSS_PNG) + ", "
                    + config.plotsDir().resolve(Plots.SIMILARITY_PNG));
        }
        return 0;
    }
}
