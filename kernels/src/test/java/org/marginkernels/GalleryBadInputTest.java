package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input to {@link GalleryIndex}: an IllegalArgumentException naming the argument, caller arrays untouched, and
 * the index exactly as before.
 */
class GalleryBadInputTest {

    private static final float[] ROW = {3, 4, 0};

    @Test
    void badArgumentsNameThemselvesAndChangeNothing() {
        try (GalleryIndex index = GalleryIndex.builder(3).searcher("reference").build()) {
            index.addAll(new long[] {1, 2}, new float[] {1, 0, 0, 0, 1, 0});
            float[] query = {1, 2, 3};
            GalleryIndex.SearchResult before = index.search(query, 2);

            rejects("rows", () -> index.add(3, new float[] {1, 2}));
            rejects("rows", () -> index.add(3, new float[] {1, Float.NaN, 2}));
            rejects("rows", () -> index.add(3, new float[] {0, 0, 0}));
            rejects("rows", () -> index.add(3, null));
            rejects("ids", () -> index.addAll(null, ROW));
            rejects("rows", () -> index.addAll(new long[] {3, 4}, ROW));
            rejects("ids[0]", () -> index.add(2, ROW));
            float[] two = {3, 4, 0, 1, 1, 1};
            rejects("ids[1]", () -> index.addAll(new long[] {5, 5}, two));
            float[] badSecond = {3, 4, 0, Float.POSITIVE_INFINITY, 1, 1};
            rejects("rows", () -> index.addAll(new long[] {6, 7}, badSecond));
            rejects("k", () -> index.search(query, 0));
            rejects("k", () -> index.search(query, 3));
            rejects("queries", () -> index.search(new float[] {1, 2}, 1));
            rejects("queries", () -> index.search(new float[] {1, Float.NaN, 2}, 1));
            rejects("queries", () -> index.search(null, 1));

            assertArrayEquals(new float[] {1, 2, 3}, query);
            assertArrayEquals(new float[] {3, 4, 0, Float.POSITIVE_INFINITY, 1, 1}, badSecond);
            assertEquals(2, index.size());
            assertTrue(!index.contains(6) && !index.contains(5) && !index.contains(3));
            GalleryIndex.SearchResult after = index.search(query, 2);
            assertArrayEquals(before.ids(), after.ids());
            assertArrayEquals(before.scores(), after.scores());
        }
    }

    @Test
    void badOptionsAreRejected() {
        rejects("dim", () -> GalleryIndex.builder(0));
        rejects("threads", () -> GalleryIndex.builder(4).threads(-1));
        rejects("searcher", () -> GalleryIndex.builder(4).searcher("no-such").build());
    }

    @Test
    void aClosedIndexRefusesCalls() {
        GalleryIndex index = GalleryIndex.builder(3).searcher("reference").build();
        index.add(1, ROW);
        index.close();
        index.close();
        assertThrows(IllegalStateException.class, () -> index.search(ROW, 1));
        assertThrows(IllegalStateException.class, () -> index.add(2, ROW));
        assertThrows(IllegalStateException.class, () -> index.remove(1));
    }

    private static void rejects(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(argument),
                "message should name " + argument + ": " + e.getMessage());
    }
}
