package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IdentificationTest {

    @Test
    void enrolsTheFirstSampleOfEachClassAndRanksTheRest() {
        // three classes on the axes of 3-d space; rows 0, 1, 2 are enrolled (first of each class)
        float[] emb = {
            1, 0, 0, // class 0, gallery
            0, 1, 0, // class 1, gallery
            0, 0, 1, // class 2, gallery
            0.9f, 0.1f, 0, // class 0: nearest is its own entry
            0.1f, 0, 0.9f, // class 1: nearest is class 2, second class 0, own entry third
            0.6f, 0.5f, 0, // class 1: nearest class 0, own entry second
        };
        int[] labels = {0, 1, 2, 0, 1, 1};
        Identification id = Identification.evaluate(1, emb, labels, 3, 3);
        assertEquals(3, id.galleryClasses());
        assertEquals(3, id.probes());
        assertEquals(1.0 / 3, id.rank1(), 1e-12);
        // the gallery has only 3 entries, so rank 5 covers all of them
        assertEquals(1.0, id.rank5(), 1e-12);
    }

    @Test
    void refusesAGalleryWithoutProbes() {
        assertThrows(IllegalArgumentException.class,
                () -> Identification.evaluate(1, new float[] {1, 0, 0, 1}, new int[] {0, 1}, 2, 2));
    }
}
