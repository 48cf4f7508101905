package org.marginkernels.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Balanced verification pairs as in LFW: genuine pairs (two different samples of one class) alternate with impostor
 * pairs (samples of two different classes), so every contiguous fold holds as many of each.
 *
 * @param left the first sample of each pair
 * @param right the second sample
 * @param genuine whether the pair shares a class
 */
public record VerificationPairs(int[] left, int[] right, boolean[] genuine) {

    /** The number of pairs. */
    public int size() {
        return left.length;
    }

    /** The number of impostor pairs. */
    public int impostors() {
        int n = 0;
        for (boolean g : genuine) {
            n += g ? 0 : 1;
        }
        return n;
    }

    /**
     * Draws {@code perKind} genuine and {@code perKind} impostor pairs at random (with replacement across pairs, never
     * a sample with itself).
     *
     * @param labels the class of each sample; at least two classes, one of them with two samples. Not modified.
     * @param random the seeded source. Modified (advanced).
     * @throws IllegalArgumentException if no genuine or no impostor pair exists
     */
    public static VerificationPairs draw(int[] labels, int classes, int perKind, SplittableRandom random) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        List<Integer> pairable = new ArrayList<>();
        int nonEmpty = 0;
        for (int c = 0; c < classes; c++) {
            nonEmpty += byClass.get(c).isEmpty() ? 0 : 1;
            if (byClass.get(c).size() >= 2) {
                pairable.add(c);
            }
        }
        if (pairable.isEmpty() || nonEmpty < 2) {
            throw new IllegalArgumentException("need one class with two samples and two non-empty classes");
        }
        int[] left = new int[2 * perKind];
        int[] right = new int[2 * perKind];
        boolean[] genuine = new boolean[2 * perKind];
        for (int p = 0; p < perKind; p++) {
            List<Integer> members = byClass.get(pairable.get(random.nextInt(pairable.size())));
            int a = random.nextInt(members.size());
            int b = random.nextInt(members.size() - 1);
            left[2 * p] = members.get(a);
            right[2 * p] = members.get(b >= a ? b + 1 : b);
            genuine[2 * p] = true;
            int i;
            int j;
            do {
                i = random.nextInt(labels.length);
                j = random.nextInt(labels.length);
            } while (labels[i] == labels[j]);
            left[2 * p + 1] = i;
            right[2 * p + 1] = j;
        }
        return new VerificationPairs(left, right, genuine);
    }
}
