package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The backward's chunks of tiles ({@link ClassTiles#chunkStart}): every tile in exactly one chunk, in order, no
 * chunk empty, and the chunks shrinking towards the end (by the linear weights, up to one tile of rounding), so
 * the last chunks a worker starts are the small ones. Without chunks each tile is its own task.
 */
class ChunkProperties extends CpuTestSupport {

    @Property(tries = 300, seed = "20261128")
    void chunksCoverEveryTileOnceAndShrink(@ForAll @IntRange(min = 1, max = 5000) int tiles,
            @ForAll @IntRange(min = 1, max = 16) int maxChunks) {
        ClassTiles ct = tilesOf(tiles);
        assertEquals(tiles, ct.tiles);
        int chunks = Math.min(maxChunks, tiles);
        assertEquals(0, ct.chunkStart(0, chunks));
        assertEquals(tiles, ct.chunkStart(chunks, chunks));
        int previous = tiles;
        for (int c = 0; c < chunks; c++) {
            int size = ct.chunkStart(c + 1, chunks) - ct.chunkStart(c, chunks);
            assertTrue(size >= 1, "chunk " + c + " of " + chunks + " over " + tiles + " tiles is empty");
            assertTrue(size <= previous + 1, "chunk " + c + " of " + chunks + " over " + tiles + " tiles grows: "
                    + size + " after " + previous);
            previous = size;
        }
        if (tiles >= 16 * chunks) {
            int first = ct.chunkStart(1, chunks);
            int last = tiles - ct.chunkStart(chunks - 1, chunks);
            assertTrue(chunks == 1 || last < first, "last chunk " + last + " not smaller than first " + first);
        }
    }

    @Property(tries = 50, seed = "20261129")
    void withoutChunksEachTileIsATask(@ForAll @IntRange(min = 1, max = 300) int tiles) {
        ClassTiles ct = tilesOf(tiles);
        for (int t = 0; t <= tiles; t++) {
            assertEquals(t, ct.chunkStart(t, 0));
        }
    }

    /** One feature row and {@code tiles} tiles of one class each, dim 1: only the tile count matters here. */
    private static ClassTiles tilesOf(int tiles) {
        CpuKernels kernels = kernels(0);
        int tile = kernels.panelWidth();
        float[] weights = new float[tiles * tile];
        Arrays.fill(weights, 1f);
        return new ClassTiles(kernels, new Workspace(), new float[] {1f}, weights, 1, tile, false);
    }
}
