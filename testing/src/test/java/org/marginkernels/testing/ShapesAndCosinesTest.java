package org.marginkernels.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;

class ShapesAndCosinesTest {

    @Test
    void edgeSizesAreOneThePrimesAndEveryWidthPlusMinusOne() {
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 7, 8, 9, 11, 13, 15, 16, 17, 20}, Shapes.edgeSizes(1, 20));
        assertArrayEquals(new int[] {63, 64, 65, 97, 100}, Shapes.edgeSizes(60, 100));
        assertThrows(IllegalArgumentException.class, () -> Shapes.edgeSizes(0, 5));
        assertThrows(IllegalArgumentException.class, () -> Shapes.edgeSizes(6, 5));
    }

    @Provide
    Arbitrary<Shape> shapes() {
        return Shapes.shapes(31, 513, 3, 1031, new Shape(16, 128, 2053), new Shape(1, 17, 8191));
    }

    @Property(tries = 100)
    void shapesStayInTheirBounds(@ForAll("shapes") Shape s) {
        boolean large = s.equals(new Shape(16, 128, 2053)) || s.equals(new Shape(1, 17, 8191));
        assertTrue(large || (s.batch() <= 31 && s.dim() <= 513 && s.classes() >= 3 && s.classes() <= 1031), s::toString);
    }

    @Test
    void extremesHoldTheEndsAndEachThresholdWithItsFloatNeighbours() {
        double arcFaceThreshold = Math.cos(Math.PI - 0.5);
        List<Double> c = Cosines.extremes(arcFaceThreshold, 3.0);
        float t = (float) arcFaceThreshold;
        for (double v : new double[] {-1, 1, 1 - 1e-7, -(1 - 1e-7), arcFaceThreshold, t, Math.nextUp(t),
            Math.nextDown(t)}) {
            assertTrue(c.contains(v), v + " missing from " + c);
        }
        assertTrue(c.stream().allMatch(v -> v >= -1 && v <= 1), "3.0 is outside [-1, 1] and dropped: " + c);
    }
}
