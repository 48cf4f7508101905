package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    // 3 images of 2 x 2, values chosen to include 0, 255 and bytes >= 128 (sign trouble if read as signed)
    private static final int[] PIXELS = {0, 1, 127, 128, 200, 255, 3, 4, 5, 6, 7, 250};

    @Test
    void readsPlainImagesFile() throws IOException {
        Path file = dir.resolve("images-idx3-ubyte");
        Files.write(file, idx(new int[] {3, 2, 2}, PIXELS));
        IdxReader.IdxArray a = IdxReader.read(file);
        assertArrayEquals(new int[] {3, 2, 2}, a.shape());
        assertEquals(3, a.count());
        assertEquals(4, a.itemSize());
        assertArrayEquals(PIXELS, a.values());
    }

    @Test
    void readsGzippedLabelsFile() throws IOException {
        Path file = dir.resolve("labels-idx1-ubyte.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(idx(new int[] {5}, new int[] {9, 0, 3, 3, 1}));
        }
        IdxReader.IdxArray a = IdxReader.read(file);
        assertArrayEquals(new int[] {5}, a.shape());
        assertEquals(1, a.itemSize());
        assertArrayEquals(new int[] {9, 0, 3, 3, 1}, a.values());
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = dir.resolve("short");
        byte[] full = idx(new int[] {3, 2, 2}, PIXELS);
        Files.write(file, Arrays.copyOf(full, full.length - 1));
        assertThrows(IOException.class, () -> IdxReader.read(file));
    }

    @Test
    void rejectsNonByteType() throws IOException {
        Path file = dir.resolve("floats");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000D01); // 0x0D = float32, one dimension
        out.writeInt(1);
        out.writeFloat(1f);
        Files.write(file, bytes.toByteArray());
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(file));
        assertTrue(e.getMessage().contains("unsigned-byte"), e.getMessage());
    }

    @Test
    void loadsFashionMnistLayoutFromADirectory() throws IOException {
        int[] labels = {0, 9, 4};
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {3, 2, 2}, PIXELS));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {3}, labels));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("t10k-images-idx3-ubyte.gz")))) {
            out.write(idx(new int[] {3, 2, 2}, PIXELS));
        }
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {3}, labels));
        assertTrue(FashionMnist.locate(dir).isPresent());
        Dataset[] parts = FashionMnist.load(dir);
        assertEquals(3, parts[0].size());
        assertEquals(4, parts[0].dim());
        assertArrayEquals(labels, parts[1].labels());
        // pixel 255 -> 1.0 exactly, 128 -> 128/255
        assertEquals(1f, parts[1].inputs()[5]);
        assertEquals(128 / 255f, parts[0].inputs()[3]);
    }

    @Test
    void incompleteDirectoryIsNotLocated() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {3, 2, 2}, PIXELS));
        assertTrue(FashionMnist.locate(dir).isEmpty());
    }

    /** An unsigned-byte IDX file: magic 0x000008NN, sizes, values. */
    static byte[] idx(int[] shape, int[] values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00000800 | shape.length);
        for (int s : shape) {
            out.writeInt(s);
        }
        for (int v : values) {
            out.writeByte(v);
        }
        out.flush();
        return bytes.toByteArray();
    }
}
