package org.marginkernels.examples;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of (Fashion-)MNIST (LeCun's format): a big-endian magic 0x0000TTNN where TT = 0x08 is unsigned
 * bytes and NN the number of dimensions, then NN big-endian int32 sizes, then the data. Gzipped files (magic bytes
 * 1f 8b) are read transparently.
 */
public final class IdxReader {

    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /** An IDX array of unsigned bytes: its sizes and its values as 0..255. */
    public record IdxArray(int[] shape, int[] values) {

        /** The number of items along the first dimension. */
        public int count() {
            return shape[0];
        }

        /** Values per item: the product of the sizes after the first. */
        public int itemSize() {
            int n = 1;
            for (int i = 1; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }
    }

    /**
     * Reads an unsigned-byte IDX file, gzipped or not.
     *
     * @throws IOException if the file cannot be read, is truncated, or is not an unsigned-byte IDX file
     */
    public static IdxArray read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (DataInputStream in = new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(raw))
                    : raw)) {
                return read(in, file);
            }
        }
    }

    private static IdxArray read(DataInputStream in, Path file) throws IOException {
        int magic = in.readInt();
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || dims < 1) {
            throw new IOException(file + ": not an unsigned-byte IDX file (magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x000008NN)");
        }
        int[] shape = new int[dims];
        long total = 1;
        for (int d = 0; d < dims; d++) {
            shape[d] = in.readInt();
            if (shape[d] < 0) {
                throw new IOException(file + ": negative size " + shape[d] + " in dimension " + d);
            }
            total *= shape[d];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": too many values (" + total + ")");
        }
        byte[] bytes = new byte[(int) total];
        in.readFully(bytes);
        int[] values = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = bytes[i] & 0xff;
        }
        return new IdxArray(shape, values);
    }
}
