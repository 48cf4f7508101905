package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.marginkernels.testsupport.GalleryOracle;

/** {@link GalleryIndex#save} and {@link GalleryIndex#open}: round trips, changes to an opened index, bad files. */
class GalleryFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTripGivesTheSameResults() throws IOException {
        for (boolean half : new boolean[] {false, true}) {
            int dim = 33;
            SplittableRandom r = new SplittableRandom(half ? 7 : 8);
            int n = 70;
            float[] rows = GalleryOracle.gaussian(r, n, dim);
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = 5L * i - 100;
            }
            float[] queries = GalleryOracle.gaussian(r, 11, dim);
            Path file = dir.resolve("g" + half + ".mkg");
            GalleryIndex.SearchResult before;
            try (GalleryIndex index = GalleryIndex.builder(dim).searcher("reference").halfSize(half).build()) {
                index.addAll(ids, rows);
                index.remove(ids[3]);
                before = index.search(queries, 9);
                index.save(file);
            }
            assertEquals(64 + 3 * 32 * dim * 4 + 69 * 8 + (half ? 3 * 32 * 4 + 3 * 32 * dim : 0), Files.size(file));
            try (GalleryIndex opened = GalleryIndex.open(file, 1)) {
                assertEquals(dim, opened.dim());
                assertEquals(69, opened.size());
                assertEquals(half, opened.halfSize());
                GalleryIndex.SearchResult after = opened.search(queries, 9);
                assertArrayEquals(before.ids(), after.ids());
                assertArrayEquals(before.scores(), after.scores());
                assertTrue(opened.contains(ids[4]));
            }
        }
    }

    /** An opened index changes in memory: the file keeps what was saved. */
    @Test
    void changesToAnOpenedIndexLeaveTheFileAlone() throws IOException {
        int dim = 8;
        SplittableRandom r = new SplittableRandom(3);
        float[] rows = GalleryOracle.gaussian(r, 40, dim);
        long[] ids = new long[40];
        for (int i = 0; i < 40; i++) {
            ids[i] = i;
        }
        Path file = dir.resolve("g.mkg");
        try (GalleryIndex index = GalleryIndex.builder(dim).searcher("reference").build()) {
            index.addAll(ids, rows);
            index.save(file);
        }
        byte[] saved = Files.readAllBytes(file);
        float[] extra = GalleryOracle.gaussian(r, 1, dim);
        float[] queries = GalleryOracle.gaussian(r, 4, dim);
        try (GalleryIndex opened = GalleryIndex.open(file, 1)) {
            opened.remove(0);
            opened.add(1000, extra);
            Map<Long, float[]> model = GalleryOracle.model(ids, rows, dim);
            model.remove(0L);
            model.put(1000L, extra);
            GalleryOracle.check("opened and changed", model, queries, dim, 6, opened.search(queries, 6));
        }
        assertArrayEquals(saved, Files.readAllBytes(file));
    }

    @Test
    void badFilesAreRejected() throws IOException {
        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[100]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GalleryIndex.open(junk));
        assertTrue(e.getMessage().contains("not a version-1 gallery file"), e.getMessage());
        Path file = dir.resolve("short.mkg");
        try (GalleryIndex index = GalleryIndex.builder(4).searcher("reference").build()) {
            index.add(1, new float[] {1, 2, 3, 4});
            index.save(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        e = assertThrows(IllegalArgumentException.class, () -> GalleryIndex.open(file));
        assertTrue(e.getMessage().contains("its header says"), e.getMessage());
    }
}
