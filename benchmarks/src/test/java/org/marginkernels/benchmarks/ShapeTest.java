package org.marginkernels.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void parsesBatchDimClassesAndCountsFlops() {
        Shape s = Shape.parse("256, 512, 100_000");
        assertEquals(new Shape(256, 512, 100_000), s);
        assertEquals(6.0 * 256 * 512 * 100_000, s.forwardBackwardFlops());
        assertEquals(2.0 * 256 * 512 * 100_000, s.forwardFlops());
        assertEquals("256x512x100000", s.toString());
        assertEquals(s, Shape.parse("256x512x100000"));
    }

    @Test
    void rejectsMalformedShapes() {
        assertThrows(IllegalArgumentException.class, () -> Shape.parse("256,512"));
        assertThrows(IllegalArgumentException.class, () -> Shape.parse("256,x,10"));
        assertThrows(IllegalArgumentException.class, () -> Shape.parse("0,512,10"));
    }
}
