package org.marginkernels.testing;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * jqwik arbitraries of cosines where margin losses break: next to -1 and 1 (where acos has an infinite slope and
 * theta + m leaves [0, pi]), exactly at a branch threshold and one float step either side (ArcFace's cos(pi - m),
 * a clamp, a hard-negative switch), and anywhere in [-1, 1].
 */
public final class Cosines {

    private Cosines() {
    }

    /**
     * The extreme cosines: +-1, +-(1 - 10^-k) for k = 1..7, +-(1 - 2^-24), each given threshold and its float
     * neighbours, all inside [-1, 1], ascending order not guaranteed.
     *
     * @param thresholds the loss's branch points in [-1, 1] (for ArcFace cos(pi - m)); others are ignored
     */
    public static List<Double> extremes(double... thresholds) {
        List<Double> out = new ArrayList<>();
        for (double sign : new double[] {-1, 1}) {
            out.add(sign);
            out.add(sign * (1 - 0x1p-24));
            for (int k = 1; k <= 7; k++) {
                out.add(sign * (1 - Math.pow(10, -k)));
            }
        }
        out.add(0.0);
        for (double t : thresholds) {
            if (t >= -1 && t <= 1) {
                float f = (float) t;
                for (double c : new double[] {t, f, Math.nextDown(f), Math.nextUp(f)}) {
                    if (c >= -1 && c <= 1) {
                        out.add(c);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Half of the draws from {@link #extremes}, half uniform in [-1, 1].
     *
     * @param thresholds as for {@link #extremes}
     */
    public static Arbitrary<Double> cosines(double... thresholds) {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.of(extremes(thresholds))),
                Tuple.of(1, Arbitraries.doubles().between(-1, 1)));
    }
}
