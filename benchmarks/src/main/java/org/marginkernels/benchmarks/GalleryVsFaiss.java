package org.marginkernels.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import org.marginkernels.GalleryIndex;

/**
 * Our half of {@code benchmarks/gallery_vs_faiss.sh}: writes the seeded data both sides read
 * ({@code generate}), then times {@link GalleryIndex} on it ({@code run}) the way {@code gallery_faiss.py} times
 * FAISS IndexFlatIP: single queries one at a time (best and median of {@code singles} after as many warm-up
 * queries), batches of {@code batch} queries (best of {@code batches} after one 48-query warm-up batch), and the
 * half-size index's single queries, whose top 10 are compared with the full-size ones. Results go to
 * {@code DIR/ours.json}, top-10 ids to {@code DIR/ours_top10.i64} (batch x 10 little-endian int64).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar org.marginkernels.benchmarks.GalleryVsFaiss \
 *     generate DIR ROWS DIM IDENTITIES QUERIES
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar org.marginkernels.benchmarks.GalleryVsFaiss \
 *     run DIR DIM THREADS SINGLES BATCH BATCHES
 * </pre>
 */
public final class GalleryVsFaiss {

    private static final int K = 10;
    private static final long SEED = 20261207L;
    private static final int CHUNK_ROWS = 65536;

    private GalleryVsFaiss() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[1]);
        if (args[0].equals("generate")) {
            long rows = Long.parseLong(args[2]);
            int dim = Integer.parseInt(args[3]);
            ClusteredGallery data = new ClusteredGallery(Integer.parseInt(args[4]), dim, SEED);
            Files.createDirectories(dir);
            data.writeRows(dir.resolve("gallery.f32"), rows);
            data.writeQueries(dir.resolve("queries.f32"), Integer.parseInt(args[5]));
            return;
        }
        run(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]), Integer.parseInt(args[6]));
    }

    private static void run(Path dir, int dim, int threads, int singles, int batch, int batches) throws IOException {
        float[] queries = readFloats(dir.resolve("queries.f32"), 0, -1);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("species", FloatVector.SPECIES_PREFERRED.toString());
        out.put("threads", threads);
        long[][] fullSingle;
        Path saved = dir.resolve("ours.mkg");
        try (GalleryIndex full = GalleryIndex.builder(dim).threads(threads).build()) {
            out.put("enrol_s", enrol(full, dir, dim));
            out.put("rows", full.size());
            out.put("searcher", full.searcher());
            fullSingle = singles(full, queries, dim, singles, out, "single");
            float[] warm = Arrays.copyOf(queries, 48 * dim);
            full.search(warm, K);
            float[] many = Arrays.copyOf(queries, batch * dim);
            double best = Double.MAX_VALUE;
            GalleryIndex.SearchResult result = null;
            for (int b = 0; b < batches; b++) {
                long t0 = System.nanoTime();
                result = full.search(many, K);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            out.put("batch", batch);
            out.put("batch_best_s", best);
            out.put("batch_qps", batch / best);
            writeIds(dir.resolve("ours_top10.i64"), result.ids());
            long t0 = System.nanoTime();
            full.save(saved);
            out.put("save_s", (System.nanoTime() - t0) / 1e9);
        }
        long t0 = System.nanoTime();
        try (GalleryIndex opened = GalleryIndex.open(saved, threads)) {
            out.put("open_ms", (System.nanoTime() - t0) / 1e6);
            long t1 = System.nanoTime();
            opened.search(Arrays.copyOf(queries, dim), K);
            out.put("opened_first_query_ms", (System.nanoTime() - t1) / 1e6);
        }
        Files.delete(saved);
        try (GalleryIndex half = GalleryIndex.builder(dim).threads(threads).halfSize(true).build()) {
            enrol(half, dir, dim);
            long[][] halfSingle = singles(half, queries, dim, singles, out, "half_single");
            int same = 0;
            for (int j = 0; j < singles; j++) {
                same += Arrays.equals(fullSingle[j], halfSingle[j]) ? 1 : 0;
            }
            out.put("half_top10_identical", same + "/" + singles);
        }
        String json = toJson(out);
        Files.writeString(dir.resolve("ours.json"), json);
        System.out.println(json);
    }

    /** Enrolls the gallery file in chunks of rows (ids = row numbers); returns the seconds it took. */
    private static double enrol(GalleryIndex index, Path dir, int dim) throws IOException {
        Path file = dir.resolve("gallery.f32");
        long rows = Files.size(file) / Float.BYTES / dim;
        long t0 = System.nanoTime();
        for (long first = 0; first < rows; first += CHUNK_ROWS) {
            int count = (int) Math.min(CHUNK_ROWS, rows - first);
            float[] chunk = readFloats(file, first * dim * Float.BYTES, count * dim);
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = first + i;
            }
            index.addAll(ids, chunk);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Times single queries 0..singles-1 after as many warm-up queries; returns each one's top-10 ids. */
    private static long[][] singles(GalleryIndex index, float[] queries, int dim, int singles,
            Map<String, Object> out, String name) {
        int available = queries.length / dim;
        for (int j = 0; j < singles; j++) {
            index.search(Arrays.copyOfRange(queries, (available - 1 - j % available) * dim,
                    (available - j % available) * dim), K);
        }
        double[] ms = new double[singles];
        long[][] ids = new long[singles][];
        for (int j = 0; j < singles; j++) {
            float[] q = Arrays.copyOfRange(queries, j * dim, (j + 1) * dim);
            long t0 = System.nanoTime();
            GalleryIndex.SearchResult r = index.search(q, K);
            ms[j] = (System.nanoTime() - t0) / 1e6;
            ids[j] = r.ids();
        }
        Arrays.sort(ms);
        out.put(name + "_best_ms", ms[0]);
        out.put(name + "_median_ms", ms[singles / 2]);
        return ids;
    }

    private static float[] readFloats(Path file, long byteOffset, int count) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int n = count < 0 ? (int) (ch.size() / Float.BYTES) : count;
            ByteBuffer bytes = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (bytes.hasRemaining() && ch.read(bytes, byteOffset + bytes.position()) >= 0) {
                // positional reads until the buffer is full
            }
            bytes.flip();
            float[] out = new float[n];
            bytes.asFloatBuffer().get(out);
            return out;
        }
    }

    private static void writeIds(Path file, long[] ids) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(ids.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(ids);
        Files.write(file, bytes.array());
    }

    private static String toJson(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            Object v = e.getValue();
            sb.append('"').append(e.getKey()).append("\": ");
            sb.append(v instanceof Number n ? String.format(Locale.ROOT, "%.6g", n.doubleValue())
                    : "\"" + v + "\"");
        }
        return sb.append("}\n").toString();
    }
}
