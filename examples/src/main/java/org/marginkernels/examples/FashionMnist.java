package org.marginkernels.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf, arXiv:1708.07747): 28 x 28 grey images of 10 clothing classes, 60,000 for
 * training and 10,000 for testing, as the four IDX files (gzipped or not) that Debian's {@code dataset-fashion-mnist}
 * package installs in {@value #DEBIAN_DIR}.
 */
public final class FashionMnist {

    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

    /** The one-line hint printed when the data is absent from the Debian location. */
    public static final String INSTALL_HINT = installHint(null);

    /** The class names, by label. */
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
        "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private static final int CLASSES = 10;

    private FashionMnist() {
    }

    /**
     * The one-line message for data absent from {@code dir} (null: the Debian location): how to install it.
     */
    public static String installHint(Path dir) {
        return "Fashion-MNIST not found in " + (dir == null ? DEBIAN_DIR : dir) + "; install it with `sudo apt-get"
                + " install dataset-fashion-mnist` (Debian/Ubuntu) or pass --data-dir DIR holding"
                + " train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and"
                + " t10k-labels-idx1-ubyte[.gz]";
    }

    /**
     * The directory holding the four files: {@code dir} if given and complete, else the Debian directory if
     * complete, else empty.
     */
    public static Optional<Path> locate(Path dir) {
        if (dir != null) {
            return complete(dir) ? Optional.of(dir) : Optional.empty();
        }
        Path debian = Path.of(DEBIAN_DIR);
        return complete(debian) ? Optional.of(debian) : Optional.empty();
    }

    /**
     * Loads the training set and the test set, pixels scaled to [0, 1].
     *
     * @return {train, test}
     * @throws IOException if a file is missing, unreadable or inconsistent
     */
    public static Dataset[] load(Path dir) throws IOException {
        return new Dataset[] {load(dir, "train", "Fashion-MNIST"), load(dir, "t10k", "Fashion-MNIST")};
    }

    private static Dataset load(Path dir, String prefix, String name) throws IOException {
        IdxReader.IdxArray images = IdxReader.read(find(dir, prefix + "-images-idx3-ubyte"));
        IdxReader.IdxArray labels = IdxReader.read(find(dir, prefix + "-labels-idx1-ubyte"));
        if (images.count() != labels.count()) {
            throw new IOException(dir + ": " + prefix + " has " + images.count() + " images but " + labels.count()
                    + " labels");
        }
        int[] raw = images.values();
        float[] pixels = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            pixels[i] = raw[i] / 255f;
        }
        for (int y : labels.values()) {
            if (y >= CLASSES) {
                throw new IOException(dir + ": label " + y + " outside [0, " + CLASSES + ")");
            }
        }
        return new Dataset(name, pixels, labels.values(), images.itemSize(), CLASSES);
    }

    private static boolean complete(Path dir) {
        for (String base : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            if (!Files.isRegularFile(dir.resolve(base)) && !Files.isRegularFile(dir.resolve(base + ".gz"))) {
                return false;
            }
        }
        return true;
    }

    private static Path find(Path dir, String base) throws IOException {
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        throw new IOException("missing " + plain + "[.gz]");
    }
}
