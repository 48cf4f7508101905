package org.marginkernels;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.marginkernels.spi.GalleryLayout;
import org.marginkernels.spi.GalleryView;

/**
 * The file of a {@link GalleryIndex}: a 64-byte header, then the sections of {@link GalleryStore} exactly as they
 * lie in memory, so {@link #open} maps the file and searches run on the mapping (a 1M x 512 gallery opens in
 * milliseconds; pages load as the first scan touches them). Every value is little-endian.
 *
 * <pre>
 * offset  size  field
 *  0      8     magic "MKGALLRY"
 *  8      4     version, 1
 * 12      4     dim
 * 16      8     count (rows)
 * 24      4     encoding: 0 float32 rows, 1 float32 rows and int8 codes (half-size index)
 * 28      4     panel width, 32 ({@link GalleryLayout#PANEL})
 * 32      32    zero
 * 64            rows: panels(count) x dim x 32 floats, panel-packed (see {@link GalleryLayout})
 *               ids: count longs
 *               encoding 1 only: scales, panels(count) x 32 floats; codes, panels(count) x dim x 32 bytes
 * </pre>
 * Sections start at multiples of 8 bytes (a panel of floats is a multiple of 128), so every value is aligned.
 */
final class GalleryFile {

    static final byte[] MAGIC = "MKGALLRY".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 64;
    static final int FLOAT32 = 0;
    static final int FLOAT32_INT8 = 1;
    // FileChannel.write takes a ByteBuffer, which holds at most 2^31 - 1 bytes
    private static final long WRITE_SLICE = 1L << 30;

    private GalleryFile() {
    }

    /** Writes the store to a temporary file beside {@code path}, then moves it over {@code path}. */
    static void save(GalleryStore store, Path path) throws IOException {
        GalleryView v = store.view();
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(GalleryLayout.ORDER);
            header.put(MAGIC).putInt(VERSION).putInt(v.dim()).putLong(v.count())
                    .putInt(store.halfSize ? FLOAT32_INT8 : FLOAT32).putInt(GalleryLayout.PANEL);
            header.position(0);
            writeFully(ch, header);
            Sections s = new Sections(v.dim(), v.count(), store.halfSize);
            write(ch, v.rows(), s.rowBytes);
            write(ch, v.ids(), s.idBytes);
            if (store.halfSize) {
                write(ch, v.scales(), s.scaleBytes);
                write(ch, v.codes(), s.codeBytes);
            }
            ch.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Maps a gallery file read only.
     *
     * @throws IllegalArgumentException when the file is not a gallery of this version or its size does not match
     *     its header
     */
    static GalleryStore open(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                throw new IllegalArgumentException("path " + path + " is not a gallery file: " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(GalleryLayout.ORDER);
            while (header.hasRemaining() && ch.read(header, header.position()) >= 0) {
                // read until full: a positional read may return fewer bytes
            }
            header.flip();
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            int version = header.getInt();
            int dim = header.getInt();
            long count = header.getLong();
            int encoding = header.getInt();
            int panel = header.getInt();
            if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION || panel != GalleryLayout.PANEL
                    || dim < 1 || count < 0 || count > Integer.MAX_VALUE - GalleryLayout.PANEL
                    || (encoding != FLOAT32 && encoding != FLOAT32_INT8)) {
                throw new IllegalArgumentException("path " + path + " is not a version-" + VERSION
                        + " gallery file (magic, version " + version + ", dim " + dim + ", count " + count
                        + ", encoding " + encoding + ", panel " + panel + ")");
            }
            boolean half = encoding == FLOAT32_INT8;
            Sections s = new Sections(dim, (int) count, half);
            if (size != s.total) {
                throw new IllegalArgumentException("path " + path + " has " + size + " bytes; its header says "
                        + s.total);
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                long at = HEADER_BYTES;
                MemorySegment rows = all.asSlice(at, s.rowBytes);
                at += s.rowBytes;
                MemorySegment ids = all.asSlice(at, s.idBytes);
                at += s.idBytes;
                MemorySegment scales = half ? all.asSlice(at, s.scaleBytes) : null;
                at += half ? s.scaleBytes : 0;
                MemorySegment codes = half ? all.asSlice(at, s.codeBytes) : null;
                return new GalleryStore(dim, (int) count, arena, rows, ids, codes, scales);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    private static void write(FileChannel ch, MemorySegment segment, long bytes) throws IOException {
        for (long at = 0; at < bytes; at += WRITE_SLICE) {
            writeFully(ch, segment.asSlice(at, Math.min(WRITE_SLICE, bytes - at)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }

    /** The byte sizes of a file's sections. */
    private static final class Sections {
        final long rowBytes;
        final long idBytes;
        final long scaleBytes;
        final long codeBytes;
        final long total;

        Sections(int dim, int count, boolean half) {
            long panels = GalleryLayout.panels(count);
            long elements = panels * GalleryLayout.panelElements(dim);
            rowBytes = elements * Float.BYTES;
            idBytes = (long) count * Long.BYTES;
            scaleBytes = half ? panels * GalleryLayout.PANEL * Float.BYTES : 0;
            codeBytes = half ? elements : 0;
            total = HEADER_BYTES + rowBytes + idBytes + scaleBytes + codeBytes;
        }
    }
}
