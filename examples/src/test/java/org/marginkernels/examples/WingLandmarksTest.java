package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/** The Wing landmark example trains: a few epochs cut the test NME to well under half of the untrained model's. */
class WingLandmarksTest {

    @Test
    void wingTrainingCutsTheLandmarkError() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try (Backend backend = Backends.named(TestBackend.name());
                PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            WingLandmarks.Result r = WingLandmarks.run(backend, 15, out);
            assertTrue(r.wingNme() < 0.4 * r.initialNme(), () -> "NME " + r + "\n" + text);
            assertTrue(r.l2Nme() < 0.6 * r.initialNme(), () -> "NME " + r + "\n" + text);
        }
    }
}
