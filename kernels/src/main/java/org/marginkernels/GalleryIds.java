package org.marginkernels;

import java.util.Arrays;

/**
 * The row of each id in a gallery: an open-addressing hash map from long to int (linear probing, deletion by
 * backward shift), so a million ids cost 24 MB of two arrays instead of a million boxed entries.
 */
final class GalleryIds {

    private static final int FREE = -1;
    private long[] keys;
    private int[] rows;
    private int size;

    GalleryIds(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        rows = new int[capacity];
        Arrays.fill(rows, FREE);
    }

    /** The row of {@code id}, or -1 when absent. */
    int row(long id) {
        int mask = keys.length - 1;
        for (int s = slot(id, mask); rows[s] != FREE; s = (s + 1) & mask) {
            if (keys[s] == id) {
                return rows[s];
            }
        }
        return FREE;
    }

    /** Maps {@code id} to {@code row}, replacing any row it had. */
    void put(long id, int row) {
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int s = slot(id, mask);
        for (; rows[s] != FREE; s = (s + 1) & mask) {
            if (keys[s] == id) {
                rows[s] = row;
                return;
            }
        }
        keys[s] = id;
        rows[s] = row;
        size++;
    }

    /** Removes {@code id}; nothing happens when it is absent. */
    void remove(long id) {
        int mask = keys.length - 1;
        int s = slot(id, mask);
        while (rows[s] != FREE && keys[s] != id) {
            s = (s + 1) & mask;
        }
        if (rows[s] == FREE) {
            return;
        }
        size--;
        // backward shift: move later entries of the probe run into the hole, so lookups never stop early
        int hole = s;
        for (int next = (hole + 1) & mask; rows[next] != FREE; next = (next + 1) & mask) {
            int home = slot(keys[next], mask);
            boolean movable = hole <= next ? home <= hole || home > next : home <= hole && home > next;
            if (movable) {
                keys[hole] = keys[next];
                rows[hole] = rows[next];
                hole = next;
            }
        }
        rows[hole] = FREE;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldRows = rows;
        keys = new long[oldKeys.length * 2];
        rows = new int[oldKeys.length * 2];
        Arrays.fill(rows, FREE);
        size = 0;
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldRows[s] != FREE) {
                put(oldKeys[s], oldRows[s]);
            }
        }
    }

    private static int slot(long id, int mask) {
        // a 64-bit mix (the murmur3 finalizer), so sequential ids spread over the table
        long h = id;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
