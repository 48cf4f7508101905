package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * Seeded synthetic face-recognition data for the gallery benchmarks: {@code identities} centers of dim Gaussian
 * coordinates, each enrolled {@code samples} times as center + noise x N(0, 1) per coordinate, and queries that
 * are fresh noisy samples of random identities. With noise 0.5 at dim 512 a query's cosine with its identity's
 * samples is about 0.8 and with any other row about 0 +- 0.05, so each query's top 10 are rows of its own identity
 * (with samples &gt;= 10) and meaningful to compare between libraries.
 *
 * <p>Row i belongs to identity i % identities. Files are raw little-endian float32, row after row, which
 * {@code numpy.fromfile(path, dtype='<f4').reshape(-1, dim)} reads.
 */
final class ClusteredGallery {

    static final double NOISE = 0.5;

    final int identities;
    final int dim;
    private final float[] centers;
    private final long seed;

    ClusteredGallery(int identities, int dim, long seed) {
        this.identities = identities;
        this.dim = dim;
        this.seed = seed;
        this.centers = new float[identities * dim];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < centers.length; i++) {
            centers[i] = (float) gaussian(r);
        }
    }

    /**
     * Rows [first, first + count) of the gallery into out (count x dim); row i draws its noise from a source
     * seeded by i, so any chunking gives the same rows. out modified.
     */
    void rows(long first, int count, float[] out) {
        for (int i = 0; i < count; i++) {
            sample(first + i, (int) ((first + i) % identities), 0x6A11E7L, out, i * dim);
        }
    }

    /** Query j: a fresh sample of a random identity. out modified (dim floats at offset). */
    void query(int j, float[] out, int offset) {
        SplittableRandom pick = new SplittableRandom(seed * 31 + j);
        sample(j, pick.nextInt(identities), 0x0DE4L, out, offset);
    }

    private void sample(long index, int identity, long stream, float[] out, int offset) {
        SplittableRandom r = new SplittableRandom(seed ^ (stream * 0x9E3779B97F4A7C15L) ^ index);
        for (int d = 0; d < dim; d++) {
            out[offset + d] = (float) (centers[identity * dim + d] + NOISE * gaussian(r));
        }
    }

    /** Writes rows [0, n) to a raw float32 file, in chunks. */
    void writeRows(Path path, long n) throws IOException {
        int chunk = 16384;
        float[] buf = new float[chunk * dim];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long first = 0; first < n; first += chunk) {
                int count = (int) Math.min(chunk, n - first);
                rows(first, count, buf);
                write(ch, buf, count * dim);
            }
        }
    }

    /** Writes queries [0, n) to a raw float32 file. */
    void writeQueries(Path path, int n) throws IOException {
        float[] buf = new float[n * dim];
        for (int j = 0; j < n; j++) {
            query(j, buf, j * dim);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(ch, buf, buf.length);
        }
    }

    private static void write(FileChannel ch, float[] values, int n) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values, 0, n);
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller, so the draws depend on the seed alone
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
