package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.marginkernels.testsupport.Problem;

/**
 * Sub-center ArcFace on the reference: the class cosine is the max over its sub-centers (so K identical sub-centers
 * give the plain loss), only the nearest sub-center gets a gradient, the facade checks the K-row shape, the layer
 * methods refuse it, and the cleaning query returns the rows far from their class's dominant sub-center.
 */
class SubCentersTest {

    private static final MarginSoftmax SUB = LossCatalogue.named("subcenter-arcface");
    private static Backend ref;

    @BeforeAll
    static void open() {
        ref = Backends.named("reference");
    }

    @AfterAll
    static void close() {
        ref.close();
    }

    @Test
    void identicalSubCentersGiveThePlainLossAndTheirGradientToTheFirst() {
        Problem p = Problem.random(3, 6, 5, 7, 0.3, 0.2);
        int k = SUB.subCenters();
        int dim = p.dim();
        float[] w = new float[p.weights().length * k];
        for (int r = 0; r < p.classes() * k; r++) {
            System.arraycopy(p.weights(), r / k * dim, w, r * dim, dim);
        }
        float[] gx = new float[p.features().length];
        float[] gw = new float[p.weights().length];
        float[] sx = gx.clone();
        float[] sw = new float[w.length];
        double plain = ref.forwardBackward(LossCatalogue.named("arcface"), p.features(), p.weights(), p.labels(), dim,
                gx, gw).loss();
        double pooled = ref.forwardBackward(SUB, p.features(), w, p.labels(), dim, sx, sw).loss();
        assertEquals(plain, pooled, 0);
        assertArrayEquals(gx, sx);
        for (int r = 0; r < w.length / dim; r++) {
            for (int t = 0; t < dim; t++) {
                assertEquals(r % k == 0 ? gw[r / k * dim + t] : 0f, sw[r * dim + t], "row " + r);
            }
        }
    }

    @Test
    void theFacadeChecksTheSubCenterShape() {
        Problem p = Problem.random(5, 4, 3, 5, 3, 0, 0);
        float[] shortWeights = java.util.Arrays.copyOf(p.weights(), p.weights().length - 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ref.forward(SUB, p.features(), shortWeights, p.labels(), 3));
        assertTrue(e.getMessage().startsWith("weights must hold classes x subCenters"), e.getMessage());
        int[] labels = p.labels().clone();
        labels[0] = 5;
        e = assertThrows(IllegalArgumentException.class, () -> ref.forward(SUB, p.features(), p.weights(), labels, 3));
        assertTrue(e.getMessage().startsWith("labels[0] must be in [0, 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MarginSoftmax.builder().subCenters(0));
        assertTrue(e.getMessage().startsWith("subCenters"), e.getMessage());
        float[] cos = new float[4 * 5];
        e = assertThrows(IllegalArgumentException.class,
                () -> ref.marginForward(SUB, cos, p.labels(), new float[cos.length]));
        assertTrue(e.getMessage().contains("sub-centers"), e.getMessage());
    }

    @Test
    void dropCandidatesAreTheRowsFarFromTheirDominantSubCenter() {
        // 2 classes x 2 sub-centers in the plane: class 0 along +x and +y, class 1 along -x and -y
        float[] w = {1, 0, 0, 1, -1, 0, 0, -1};
        float[] x = {
            1, 0.1f, // class 0, nearest sub-center 0
            1, -0.2f, // class 0, nearest 0
            -0.3f, 1, // class 0, nearest 1: 106.7 degrees from the dominant sub-center 0
            0.26f, 1, // class 0, nearest 1: 75.4 degrees from sub-center 0
            -1, 0, // class 1: sub-centers 0 and 1 tie (one row each), the lowest wins
            0, -1, // class 1, nearest 1: 90 degrees from the dominant sub-center 0
            5, 5 // ignored
        };
        int[] y = {0, 0, 0, 0, 1, 1, -1};
        assertArrayEquals(new int[] {2, 3, 5}, SubCenters.dropCandidates(x, w, y, 2, 2, SubCenters.DROP_DEGREES));
        assertArrayEquals(new int[] {2, 5}, SubCenters.dropCandidates(x, w, y, 2, 2, 80));
        assertArrayEquals(new int[] {}, SubCenters.dropCandidates(x, w, y, 2, 2, 180));
        // a row exactly at the threshold is dropped (drop.py keeps sim > cos(threshold) only)
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, SubCenters.dropCandidates(x, w, y, 2, 2, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SubCenters.dropCandidates(x, w, y, 2, 3, 75));
        assertTrue(e.getMessage().startsWith("weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SubCenters.dropCandidates(x, w, y, 2, 2, 181));
        assertTrue(e.getMessage().startsWith("thresholdDegrees"), e.getMessage());
    }
}
