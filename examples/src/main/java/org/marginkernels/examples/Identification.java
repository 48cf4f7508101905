package org.marginkernels.examples;

import java.util.Arrays;
import org.marginkernels.GalleryIndex;

/**
 * Closed-gallery 1:N identification on classes the model never saw, as face-recognition benchmarks (MegaFace's
 * identification, IJB's 1:N) measure it: the first sample of each class is enrolled, every other sample is a probe,
 * and a probe is identified at rank k when its class's gallery entry is among its k most similar entries. The
 * gallery is a {@link GalleryIndex}: enrolled (checked and normalized) once, searched with every probe.
 *
 * @param galleryClasses classes enrolled (one entry each)
 * @param probes samples searched
 * @param rank1 the fraction of probes whose nearest gallery entry is their class
 * @param rank5 the fraction whose class is among the 5 nearest (or all, for a gallery of fewer than 5)
 */
public record Identification(int galleryClasses, int probes, double rank1, double rank5) {

    /** The largest rank reported. */
    public static final int RANKS = 5;

    /**
     * Enrols the first sample of each class and searches with all the others.
     *
     * @param threads search threads; 0 means all processors
     * @param embeddings rows x dim. Not modified.
     * @param labels one per row, in [0, classes). Not modified.
     * @throws IllegalArgumentException when no class has a second sample to probe with
     */
    public static Identification evaluate(int threads, float[] embeddings, int[] labels, int classes, int dim) {
        boolean[] enrolled = new boolean[classes];
        int[] galleryRows = new int[classes];
        int gallerySize = 0;
        int[] probeRows = new int[labels.length];
        int probes = 0;
        for (int r = 0; r < labels.length; r++) {
            int c = labels[r];
            if (!enrolled[c]) {
                enrolled[c] = true;
                galleryRows[gallerySize++] = r;
            } else {
                probeRows[probes++] = r;
            }
        }
        if (probes == 0) {
            throw new IllegalArgumentException("identification needs a class with at least two samples");
        }
        int k = Math.min(RANKS, gallerySize);
        long[] ids = new long[gallerySize];
        for (int g = 0; g < gallerySize; g++) {
            ids[g] = labels[galleryRows[g]];
        }
        GalleryIndex.SearchResult found;
        try (GalleryIndex gallery = GalleryIndex.builder(dim).threads(threads).build()) {
            gallery.addAll(ids, Embedder.gather(embeddings, dim, Arrays.copyOf(galleryRows, gallerySize)));
            found = gallery.search(Embedder.gather(embeddings, dim, Arrays.copyOf(probeRows, probes)), k);
        }
        int atRank1 = 0;
        int atRank5 = 0;
        for (int p = 0; p < probes; p++) {
            long own = labels[probeRows[p]];
            for (int j = 0; j < k; j++) {
                if (found.id(p, j) == own) {
                    atRank1 += j == 0 ? 1 : 0;
                    atRank5++;
                    break;
                }
            }
        }
        return new Identification(gallerySize, probes, (double) atRank1 / probes, (double) atRank5 / probes);
    }
}
