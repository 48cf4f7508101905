package org.marginkernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void referenceIsAlwaysAvailableAndUsable() {
        assertTrue(Backends.names().contains("reference"), Backends.names().toString());
        List<Backends.Availability> all = Backends.availability();
        assertTrue(all.stream().anyMatch(a -> a.name().equals("reference") && a.usable()), all.toString());
        try (Backend b = Backends.named("reference")) {
            assertEquals("reference", b.name());
        }
    }

    @Test
    void forcedChoiceIsHonouredWithoutFallback() {
        String before = System.getProperty(Backends.BACKEND_PROPERTY);
        try {
            System.setProperty(Backends.BACKEND_PROPERTY, "reference");
            try (Backend b = Backends.best()) {
                assertEquals("reference", b.name());
            }
            System.setProperty(Backends.BACKEND_PROPERTY, "no-such-backend");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, Backends::best);
        } finally {
            if (before == null) {
                System.clearProperty(Backends.BACKEND_PROPERTY);
            } else {
                System.setProperty(Backends.BACKEND_PROPERTY, before);
            }
        }
    }

    @Test
    void topKOfTheReferenceMatchesBruteForce() {
        float[] gallery = {1, 0, 0, 1, -1, 0, 0.6f, 0.8f, 0.8f, 0.6f};
        float[] query = {2, 1};
        int[] idx = new int[3];
        float[] scores = new float[3];
        try (Backend b = Backends.named("reference")) {
            b.topK(query, gallery, 2, 3, idx, scores);
            // cosines with (2,1)/sqrt5: 0.894, 0.447, -0.894, 0.894*0.6+0.447*0.8=0.894, 0.984
            assertEquals(4, idx[0]);
            assertEquals(0, idx[1]);
            assertEquals(3, idx[2]);
            assertEquals(b.cosineSimilarity(query, new float[] {0.8f, 0.6f}), scores[0], 0f);
            assertTrue(scores[0] >= scores[1] && scores[1] >= scores[2]);
        }
    }
}
