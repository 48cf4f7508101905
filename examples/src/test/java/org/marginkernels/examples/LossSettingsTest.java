package org.marginkernels.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.ScalePolicy;

class LossSettingsTest {

    static List<String> losses() {
        return LossSettings.LOSSES;
    }

    @ParameterizedTest
    @MethodSource("losses")
    void everyLossNameBuilds(String name) {
        MarginSoftmax loss = TrainMain.parse("--loss", name).loss().build();
        assertTrue(loss.toString().startsWith("MarginSoftmax["), loss.toString());
    }

    @Test
    void defaultIsArcFaceHalfRadianScale64() {
        MarginSoftmax loss = TrainMain.parse().loss().build();
        assertEquals(0.5, loss.margin().parameters().get("m"));
        assertEquals(new ScalePolicy.Fixed(64), loss.scalePolicy());
        assertEquals(0, loss.focalGamma());
    }

    @Test
    void optionsReachTheLoss() {
        MarginSoftmax loss = TrainMain.parse("--loss", "combined", "--m1", "1.5", "--m2", "0.1", "--m3", "0.05",
                "--scale", "30", "--negative", "mv", "--t", "0.3", "--focal", "2").loss().build();
        assertEquals(1.5, loss.margin().parameters().get("m1"));
        assertEquals(0.05, loss.margin().parameters().get("m3"));
        assertEquals(0.3, loss.negative().parameters().get("t"));
        assertEquals(new ScalePolicy.Fixed(30), loss.scalePolicy());
        assertEquals(2, loss.focalGamma());
        assertInstanceOf(ScalePolicy.AdaCosDynamic.class, TrainMain.parse("--loss", "adacos").loss().build()
                .scalePolicy());
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> TrainMain.parse("--loss", "triplet").loss().build());
        assertThrows(IllegalArgumentException.class, () -> TrainMain.parse("--negative", "hard").loss().build());
        assertThrows(IllegalArgumentException.class,
                () -> TrainMain.parse("--loss", "sphereface", "--margin", "2.5").loss().build());
        assertThrows(IllegalArgumentException.class, () -> TrainMain.parse("--margin", "3").loss().build());
    }
}
