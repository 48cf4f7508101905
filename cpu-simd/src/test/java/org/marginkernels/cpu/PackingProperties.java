package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The kernels' transposed packing of a weight tile (the Vector API one transposes L x L blocks in registers) must
 * give exactly the bits of the scalar {@link Packing#packRowsTransposed}: the same products, only moved. Dimensions
 * straddle every lane count (the scalar column tail), row counts leave panels partial or empty (zero padding), and
 * the source rows start at an offset inside a larger matrix. Every species width runs, 64-bit (two lanes, one round of
 * the shuffle) included.
 */
class PackingProperties extends CpuTestSupport {

    @Property(tries = 300, seed = "20261134")
    void transposedPackingEqualsTheScalarOne(@ForAll @IntRange(min = 1, max = 70) int dim,
            @ForAll @IntRange(min = 0, max = 70) int rows, @ForAll @IntRange(min = 1, max = 3) int panels,
            @ForAll @IntRange(min = 0, max = 4) int width, @ForAll long seed) {
        int preferredBits = kernels(0).panelWidth() / 2 * 32;
        // width 0 is the preferred species, 1..4 are 64..512 bits (those the CPU has)
        int bits = 32 << width;
        CpuKernels kernels = kernels(width == 0 || bits > preferredBits ? 0 : bits);
        int nr = kernels.panelWidth();
        int columns = panels * nr;
        int used = Math.min(rows, columns);
        SplittableRandom r = new SplittableRandom(seed);
        int row0 = 3;
        float[] m = new float[(row0 + used + 2) * dim];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (r.nextDouble() * 2 - 1);
        }
        int scaleOff = 5;
        float[] scale = new float[scaleOff + used];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = (float) (0.5 + r.nextDouble());
        }
        float[] expected = new float[columns * dim];
        float[] actual = new float[columns * dim];
        Arrays.fill(actual, Float.NaN);
        Packing.packRowsTransposed(m, dim, row0, used, scale, scaleOff, columns, nr, expected);
        kernels.packRowsTransposed(m, dim, row0, used, scale, scaleOff, columns, actual);
        assertArrayEquals(expected, actual, () -> kernels.description() + " dim=" + dim + " rows=" + used
                + " columns=" + columns);
    }
}
