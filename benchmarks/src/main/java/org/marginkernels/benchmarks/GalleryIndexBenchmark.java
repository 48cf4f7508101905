package org.marginkernels.benchmarks;

import java.util.concurrent.TimeUnit;
import org.marginkernels.GalleryIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link GalleryIndex#search} of a batch of queries (top 10) on the seeded clustered gallery of
 * {@link ClusteredGallery} (20 samples per identity, dim 512), full size or half size. The side-by-side comparison
 * with FAISS is {@code benchmarks/gallery_vs_faiss.sh}; this benchmark tracks our own numbers across changes.
 *
 * <p>How to run (the 1M-row gallery is 2 GiB off-heap, 2.5 GiB at half size; enrolment takes tens of seconds):
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar GalleryIndexBenchmark -p rows=100000 -wi 2 -i 5 -f 1
 * java -jar benchmarks/target/benchmarks.jar GalleryIndexBenchmark -p rows=1000000 -p queries=1 -p threads=2
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx4g"})
@State(Scope.Benchmark)
public class GalleryIndexBenchmark {

    /** Enrolled rows; 100003 is prime, so the last 32-row panel is partial. */
    @Param({"100003", "1000000"})
    public int rows;

    /** Queries per search: 1 (memory-bound) or a batch (arithmetic-bound). */
    @Param({"1", "1000"})
    public int queries;

    /** Whether the index keeps int8 codes (used for batches up to {@link GalleryIndex#HALF_SIZE_MAX_QUERIES}). */
    @Param({"false", "true"})
    public boolean halfSize;

    /** Worker threads; 0 means all processors. */
    @Param({"2"})
    public int threads;

    private static final int DIM = 512;
    private static final int CHUNK = 65536;

    private GalleryIndex index;
    private float[] batch;

    @Setup(Level.Trial)
    public void setUp() {
        ClusteredGallery data = new ClusteredGallery(Math.max(1, rows / 20), DIM, 20261207L);
        index = GalleryIndex.builder(DIM).threads(threads).halfSize(halfSize).build();
        float[] chunk = new float[CHUNK * DIM];
        for (int first = 0; first < rows; first += CHUNK) {
            int count = Math.min(CHUNK, rows - first);
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = first + i;
            }
            data.rows(first, count, chunk);
            index.addAll(ids, count == CHUNK ? chunk : java.util.Arrays.copyOf(chunk, count * DIM));
        }
        batch = new float[queries * DIM];
        for (int j = 0; j < queries; j++) {
            data.query(j, batch, j * DIM);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        index.close();
    }

    @Benchmark
    public GalleryIndex.SearchResult search() {
        return index.search(batch, 10);
    }
}
