package org.marginkernels.crossbackend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.marginkernels.Backend;
import org.marginkernels.LossCatalogue;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.Margin;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.NegativeTransform;
import org.marginkernels.Reduction;
import org.marginkernels.ScalePolicy;
import org.marginkernels.spi.RowCheck;
import org.marginkernels.testsupport.GradientCheck;
import org.marginkernels.testsupport.Problem;
import org.marginkernels.testing.Tolerance;
import org.marginkernels.testsupport.UserDefinedLosses;

/**
 * One fuzz case: a public {@link Backend} call with random arguments, some of them mutated (non-finite, huge, tiny
 * or zero elements; copied, negated or duplicated rows; wrong lengths; bad labels, k, dim or scale; outputs that
 * alias inputs). {@link #check} runs it on the reference and on a backend: either both throw
 * IllegalArgumentException and leave every caller buffer untouched, or both succeed with finite results that agree
 * within the cross-backend tolerances ({@link BackendAgreementContract}).
 */
final class FuzzCase {

    /** The public methods under test. */
    enum Op { STEP, FORWARD, NORMALIZE, NORMALIZE_BACKWARD, COSINES, COSINES_BACKWARD, MARGIN, MARGIN_BACKWARD,
        SOFTMAX, SCALE_FOR, PAIRS, SIMILARITY, TOP_K }

    private static final Map<String, MarginSoftmax> LOSSES = LossCatalogue.all();
    private static final List<String> NAMES = new ArrayList<>(LOSSES.keySet());
    private static final float SENTINEL = 12345f;
    private static final float[] ROW_FACTORS = {0, 1e-38f, 1e-20f, 1e-16f, 1.1e-15f, 1e-8f, 1e8f, 1e15f, 1e20f, 1e30f,
        1e36f, 1e37f, 4e37f, 1e38f};
    private static final float[] ODD_VALUES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e37f, -1e37f, 1e20f, 0f, -0f, 1f, -1f};
    private static final double[] SCALES = {1e-300, 1e-30, 0.5, 64, 64, 64, 1000, 1e6};
    /**
     * Larger problems (batch to 40, dim to 512, classes to 3000: many tiles and chunks), for a release run; about 50
     * ms a case instead of 1 ({@code -Dmarginkernels.fuzz.large=true}).
     */
    private static final boolean LARGE = Boolean.getBoolean("marginkernels.fuzz.large");

    /** The seed the case was drawn from: {@code FuzzCase.draw(seed)} reproduces it. */
    final long seed;
    final Op op;
    final String lossName;
    final MarginSoftmax loss;
    final int dim;
    final int k;
    final double scale;
    /** Inputs in argument order; for each op the names say which is which. */
    final float[][] inputs;
    final String[] inputNames;
    final int[] labels;
    /** Output lengths, -1 for null; an output whose alias is &gt;= 0 is that input array instead. */
    final int[] outputLengths;
    final int[] outputAlias;
    private final List<String> mutations = new ArrayList<>();
    private Backend reference;

    private FuzzCase(long seed) {
        this.seed = seed;
        Random r = new Random(seed);
        op = Op.values()[r.nextInt(Op.values().length)];
        double s = SCALES[r.nextInt(SCALES.length)];
        if (r.nextBoolean()) {
            lossName = NAMES.get(r.nextInt(NAMES.size()));
            MarginSoftmax base = LOSSES.get(lossName);
            loss = base.scalePolicy() instanceof ScalePolicy.Fixed ? base.toBuilder().scale(s).build() : base;
        } else {
            loss = randomLoss(r, s);
            lossName = loss.toString();
        }
        int[] dims = LARGE ? new int[] {1, 3, 17, 64, 128, 257, 512}
                : new int[] {1, 2, 3, 4, 7, 8, 9, 16, 17, 33, 64, 129, 257};
        int realDim = dims[r.nextInt(dims.length)];
        int batch = 1 + r.nextInt(LARGE ? 40 : 9);
        // mostly small, sometimes past one 256-class tile of the cpu backend (always, in the large mode)
        int classes = 1 + r.nextInt(LARGE ? 3000 : r.nextInt(8) == 0 ? 700 : 40);
        Problem p = Problem.forLoss(loss, r.nextLong(), batch, realDim, classes, 0.4, 0.15);
        float[] a = p.features();
        float[] b = p.weights();
        int[] y = p.labels();
        for (int i = 0; i < y.length; i++) {
            y[i] = y[i] == -1 ? loss.ignoreLabel() : y[i];
        }
        float[] g;
        switch (op) {
            case NORMALIZE_BACKWARD -> {
                b = normalizedRows(a, realDim);
                g = Problem.random(r.nextLong(), batch, realDim, 1, 0, 0).features();
                float[] norms = new float[batch];
                for (int i = 0; i < batch; i++) {
                    norms[i] = (float) (0.1 + 3 * r.nextDouble());
                }
                a = norms;
            }
            case COSINES_BACKWARD -> g = gaussian(r, batch * classes, 1);
            case MARGIN, MARGIN_BACKWARD, SCALE_FOR -> {
                a = cosines(r, batch * classes);
                g = gaussian(r, batch * classes, 0.1);
            }
            case SOFTMAX -> {
                a = gaussian(r, batch * classes, 1);
                g = null;
            }
            case PAIRS, SIMILARITY -> {
                b = Problem.random(r.nextLong(), batch, realDim, 1, 0, 0).features();
                g = null;
            }
            default -> g = null;
        }
        int mutationCount = r.nextInt(4);
        for (int m = 0; m < mutationCount; m++) {
            mutate(r, a, b, y, realDim);
            if (g != null && r.nextInt(3) == 0) {
                mutateUpstream(r, g);
            }
        }
        int d = realDim;
        if (r.nextInt(25) == 0) {
            d = new int[] {0, -1, realDim + 1, 2 * realDim}[r.nextInt(4)];
            mutations.add("dim " + d);
        }
        dim = d;
        int kk = 1 + r.nextInt(Math.min(classes, 6));
        if (r.nextInt(25) == 0) {
            kk = new int[] {0, -1, classes + 1}[r.nextInt(3)];
            mutations.add("k " + kk);
        }
        k = kk;
        double sc = loss.fixedScale(classes).orElse(Double.NaN);
        if (op == Op.SOFTMAX && r.nextInt(10) == 0) {
            sc = new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e6 * (1 + 1e-9), 1e-300}[r.nextInt(6)];
            mutations.add("scale " + sc);
        }
        scale = loss.fixedScale(classes).isEmpty() && op == Op.SOFTMAX ? 10 : sc;
        labels = y;
        switch (op) {
            case STEP, FORWARD, COSINES, COSINES_BACKWARD, TOP_K -> {
                inputs = g == null ? new float[][] {a, b} : new float[][] {a, b, g};
                inputNames = g == null ? new String[] {"features", "weights"}
                        : new String[] {"features", "weights", "cosineGrad"};
            }
            case NORMALIZE -> {
                inputs = new float[][] {a};
                inputNames = new String[] {"input"};
            }
            case NORMALIZE_BACKWARD -> {
                inputs = new float[][] {b, a, g};
                inputNames = new String[] {"output", "norms", "outputGrad"};
            }
            case MARGIN, SCALE_FOR, SOFTMAX -> {
                inputs = new float[][] {a};
                inputNames = new String[] {op == Op.SOFTMAX ? "margined" : "cosines"};
            }
            case MARGIN_BACKWARD -> {
                inputs = new float[][] {a, g};
                inputNames = new String[] {"cosines", "marginedGrad"};
            }
            case PAIRS, SIMILARITY -> {
                inputs = new float[][] {a, Arrays.copyOf(b, Math.min(b.length, a.length))};
                inputNames = new String[] {"left", "right"};
            }
            default -> throw new AssertionError(op);
        }
        int[] lengths = switch (op) {
            case STEP -> new int[] {a.length, b.length};
            case NORMALIZE -> new int[] {a.length, a.length / Math.max(1, realDim)};
            case NORMALIZE_BACKWARD -> new int[] {b.length};
            case COSINES -> new int[] {batch * classes};
            case COSINES_BACKWARD -> new int[] {a.length, b.length};
            case MARGIN, MARGIN_BACKWARD -> new int[] {a.length};
            case SOFTMAX -> new int[] {a.length};
            case PAIRS -> new int[] {batch};
            case TOP_K -> new int[] {batch * Math.max(k, 0)};
            case FORWARD, SCALE_FOR, SIMILARITY -> new int[0];
        };
        outputLengths = lengths;
        outputAlias = new int[lengths.length];
        Arrays.fill(outputAlias, -1);
        for (int o = 0; o < lengths.length; o++) {
            int roll = r.nextInt(30);
            if (roll == 0) {
                outputLengths[o] = lengths[o] + (r.nextBoolean() ? 1 : -1);
                mutations.add("output " + o + " length " + outputLengths[o]);
            } else if (roll == 1 && (op == Op.STEP || op == Op.COSINES_BACKWARD || op == Op.SOFTMAX
                    || op == Op.NORMALIZE && o == 1)) {
                outputLengths[o] = -1;
                mutations.add("output " + o + " null");
            } else if (roll == 2) {
                outputAlias[o] = r.nextInt(inputs.length);
                mutations.add("output " + o + " aliases " + inputNames[outputAlias[o]]);
            }
        }
    }

    /**
     * A loss with parameters anywhere in their accepted ranges (ends included), beyond the catalogue's usual values,
     * and user-defined margins and negative transforms ({@link UserDefinedLosses}).
     * Each parameter takes one of a few values: a GPU backend compiles one program per distinct loss.
     */
    private static MarginSoftmax randomLoss(Random r, double s) {
        Margin margin = switch (r.nextInt(7)) {
            case 6 -> UserDefinedLosses.arcFace(pick(r, 0, 0.5, Math.PI / 2));
            case 0 -> Margins.arcFace(pick(r, 0, 0.5, 1.2, Math.PI / 2));
            case 1 -> Margins.arcFaceEasy(pick(r, 0, 0.5, Math.PI / 2));
            case 2 -> Margins.cosFace(pick(r, 0, 0.35, 1));
            case 3 -> r.nextBoolean() ? Margins.combined(4, 0.3, 0.2) : Margins.combined(2.5, Math.PI / 2, 1);
            case 4 -> Margins.sphereFace(new int[] {1, 2, 5, 8}[r.nextInt(4)], pick(r, 0, 5, 1e6));
            default -> Margins.none();
        };
        MarginSoftmax.Builder b = MarginSoftmax.builder().margin(margin);
        switch (r.nextInt(5)) {
            case 0 -> b.negative(NegativeTransform.svSoftmax(pick(r, 1, 10)));
            case 4 -> b.negative(UserDefinedLosses.svSoftmax(pick(r, 1, 10)));
            case 1 -> b.negative(NegativeTransform.mvSoftmax(pick(r, 0, 10)));
            default -> { }
        }
        if (r.nextInt(3) == 0) {
            b.focal(pick(r, 0.5, 10));
        }
        b.reduction(r.nextBoolean() ? Reduction.MEAN : Reduction.SUM);
        b.ignoreLabel(r.nextInt(4) == 0 ? -100 : -1);
        b.scale(switch (r.nextInt(6)) {
            case 0 -> ScalePolicy.adaCosFixed();
            case 1 -> r.nextInt(4) == 0 ? ScalePolicy.adaCosDynamic()
                    : new ScalePolicy.AdaCosDynamic(pick(r, 1e-3, 30, ScalePolicy.MAX_SCALE));
            default -> ScalePolicy.fixed(s);
        });
        return b.build();
    }

    private static double pick(Random r, double... values) {
        return values[r.nextInt(values.length)];
    }

    /** The case drawn from {@code seed}. */
    static FuzzCase draw(long seed) {
        return new FuzzCase(seed);
    }

    @Override
    public String toString() {
        return "case " + seed + ": " + op + " " + lossName + " scale=" + scale + " dim=" + dim + " k=" + k + " labels="
                + Arrays.toString(labels) + " mutations=" + mutations;
    }

    private void mutate(Random r, float[] a, float[] b, int[] y, int d) {
        float[] target = r.nextBoolean() ? a : b;
        int rows = Math.max(1, target.length / d);
        int row = r.nextInt(rows);
        switch (r.nextInt(7)) {
            case 0 -> {
                int i = r.nextInt(target.length);
                target[i] = ODD_VALUES[r.nextInt(ODD_VALUES.length)];
                mutations.add("element " + i + " = " + target[i]);
            }
            case 1 -> {
                float f = ROW_FACTORS[r.nextInt(ROW_FACTORS.length)];
                for (int i = row * d; i < Math.min(target.length, (row + 1) * d); i++) {
                    target[i] *= f;
                }
                mutations.add("row " + row + " x " + f);
            }
            case 2 -> {
                int from = r.nextInt(Math.max(1, b.length / d));
                int to = r.nextInt(rows);
                float sign = r.nextBoolean() ? 1 : -1;
                for (int i = 0; i < d && to * d + i < target.length && from * d + i < b.length; i++) {
                    target[to * d + i] = sign * b[from * d + i];
                }
                mutations.add("row " + to + " = " + sign + " weights row " + from);
            }
            case 3 -> {
                int i = r.nextInt(y.length);
                y[i] = new int[] {-1, -2, b.length / d, Integer.MAX_VALUE, Integer.MIN_VALUE}[r.nextInt(5)];
                mutations.add("label " + i + " = " + y[i]);
            }
            case 4 -> {
                Arrays.fill(y, -1);
                mutations.add("all rows ignored");
            }
            case 5 -> {
                int i = r.nextInt(target.length);
                target[i] = Math.nextUp(target[i]);
                mutations.add("element " + i + " nudged");
            }
            default -> {
                int i = r.nextInt(target.length);
                target[i] = (float) (target[i] * Math.pow(10, 10 * r.nextGaussian()));
                mutations.add("element " + i + " rescaled to " + target[i]);
            }
        }
    }

    private void mutateUpstream(Random r, float[] g) {
        int i = r.nextInt(g.length);
        g[i] = new float[] {Float.NaN, 1e19f, 2e19f, -1e30f, 1e36f, Float.MAX_VALUE, 0f}[r.nextInt(7)];
        mutations.add("upstream " + i + " = " + g[i]);
    }

    private static float[] gaussian(Random r, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (sigma * r.nextGaussian());
        }
        return a;
    }

    private static float[] cosines(Random r, int n) {
        float[] special = {1f, -1f, 0f, Math.nextDown(1f), Math.nextUp(-1f), 0.5f, -0.5f, 1.2f, -1.2f};
        float[] c = new float[n];
        for (int i = 0; i < n; i++) {
            c[i] = r.nextInt(5) == 0 ? special[r.nextInt(special.length)] : (float) (2 * r.nextDouble() - 1);
        }
        return c;
    }

    private static float[] normalizedRows(float[] x, int d) {
        float[] y = new float[x.length];
        for (int row = 0; row < x.length / d; row++) {
            double n = Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(x, row * d, d));
            for (int i = row * d; i < (row + 1) * d; i++) {
                y[i] = (float) (x[i] / n);
            }
        }
        return y;
    }

    /** What one backend did with the case. */
    record Outcome(IllegalArgumentException rejected, float[][] outputs, int[] indices, double value,
            LossResult result) {
    }

    /** Runs the case on {@code backend} with fresh copies of every argument and checks nothing was touched on a throw. */
    Outcome run(Backend backend) {
        float[][] in = new float[inputs.length][];
        for (int i = 0; i < in.length; i++) {
            in[i] = inputs[i].clone();
        }
        int[] y = labels.clone();
        float[][] out = new float[outputLengths.length][];
        for (int o = 0; o < out.length; o++) {
            if (outputAlias[o] >= 0) {
                out[o] = in[outputAlias[o]];
            } else if (outputLengths[o] >= 0) {
                out[o] = new float[outputLengths[o]];
                Arrays.fill(out[o], SENTINEL);
            }
        }
        int[] indices = op == Op.TOP_K ? new int[Math.max(0, outputLengths[0])] : null;
        if (indices != null) {
            Arrays.fill(indices, -7);
        }
        try {
            double value = Double.NaN;
            LossResult result = null;
            switch (op) {
                // a stateful loss (CurricularFace, dynamic AdaCos) steps through Backend.step, as training does
                case STEP -> result = loss.hasState()
                        ? backend.step(loss, LossState.empty(), in[0], in[1], y, dim, out[0], out[1]).result()
                        : backend.forwardBackward(loss, in[0], in[1], y, dim, out[0], out[1]);
                case FORWARD -> result = backend.forward(loss, in[0], in[1], y, dim);
                case NORMALIZE -> backend.l2Normalize(in[0], dim, out[0], out[1]);
                case NORMALIZE_BACKWARD -> backend.l2NormalizeBackward(in[0], in[1], in[2], dim, out[0]);
                case COSINES -> backend.cosineLogits(in[0], in[1], dim, out[0]);
                case COSINES_BACKWARD -> backend.cosineLogitsBackward(in[0], in[1], dim, in[2], out[0], out[1]);
                case MARGIN -> backend.marginForward(loss, in[0], y, out[0]);
                case MARGIN_BACKWARD -> backend.marginBackward(loss, in[0], y, in[1], out[0]);
                case SOFTMAX -> result = backend.scaledSoftmaxCrossEntropy(loss, scale, in[0], y, out[0]);
                case SCALE_FOR -> value = backend.scaleFor(loss, in[0], y);
                case PAIRS -> backend.pairCosines(in[0], in[1], dim, out[0]);
                case SIMILARITY -> value = backend.cosineSimilarity(in[0], in[1]);
                case TOP_K -> backend.topK(in[0], in[1], dim, k, indices, out[0]);
            }
            return new Outcome(null, out, indices, value, result);
        } catch (IllegalArgumentException e) {
            for (int i = 0; i < in.length; i++) {
                assertArrayEquals(inputs[i], in[i], backend.name() + " modified " + inputNames[i] + " before throwing: "
                        + this);
            }
            for (int o = 0; o < out.length; o++) {
                if (outputAlias[o] < 0 && out[o] != null) {
                    for (float v : out[o]) {
                        assertEquals(SENTINEL, v, backend.name() + " wrote output " + o + " before throwing: " + this);
                    }
                }
            }
            if (indices != null) {
                for (int v : indices) {
                    assertEquals(-7, v, backend.name() + " wrote indices before throwing: " + this);
                }
            }
            return new Outcome(e, out, indices, Double.NaN, null);
        }
    }

    /** Runs the case on both backends and checks the contract. */
    void check(Backend reference, Backend backend) {
        this.reference = reference;
        Outcome expected = run(reference);
        Outcome actual = run(backend);
        if (expected.rejected() != null) {
            if (actual.rejected() == null) {
                fail(backend.name() + " accepted what the reference rejects (" + expected.rejected().getMessage()
                        + "): " + this);
            }
            return;
        }
        if (actual.rejected() != null) {
            fail(backend.name() + " rejected what the reference accepts: " + actual.rejected().getMessage() + ": "
                    + this);
        }
        finite(expected, reference.name());
        finite(actual, backend.name());
        agree(expected, actual, backend.name() + " vs reference, " + this);
    }

    private void finite(Outcome o, String name) {
        for (float[] out : o.outputs()) {
            if (out != null) {
                for (float v : out) {
                    assertTrue(Float.isFinite(v), name + " output not finite: " + this);
                }
            }
        }
        if (o.result() != null) {
            assertTrue(Double.isFinite(o.result().loss()), name + " loss not finite: " + this);
        }
        if (op == Op.SCALE_FOR || op == Op.SIMILARITY) {
            assertTrue(Double.isFinite(o.value()), name + " value not finite: " + this);
        }
    }

    private void agree(Outcome e, Outcome a, String what) {
        float[][] eo = e.outputs();
        float[][] ao = a.outputs();
        switch (op) {
            case STEP, FORWARD -> {
                Problem p = new Problem(inputs[0], inputs[1], labels, dim);
                if (GradientCheck.distanceToKinks(loss, reference, p) <= 1e-4) {
                    // within float rounding of a discontinuous branch: only finiteness is promised
                    return;
                }
                double dz = relativeError(p, e.result().scale());
                assertEquals(e.result().scale(), a.result().scale(), 1e-4 * e.result().scale(), what);
                assertEquals(e.result().loss(), a.result().loss(), dz + 1e-5 * Math.abs(e.result().loss()), what);
                if (op == Op.STEP) {
                    double flushed = p.classes() * flushedProbability(e.result().scale());
                    double floorX = (0x1p-20 * e.result().scale() + flushed)
                            / BackendAgreementContract.minRowNorm(inputs[0], dim);
                    double floorW = (0x1p-20 * e.result().scale() + flushed)
                            / BackendAgreementContract.minRowNorm(inputs[1], dim);
                    closeIfPresent("dL/dfeatures " + what, eo[0], ao[0], dz, floorX);
                    closeIfPresent("dL/dweights " + what, eo[1], ao[1], dz, floorW);
                }
            }
            case NORMALIZE -> {
                Tolerance.assertClose("l2Normalize " + what, eo[0], ao[0], 1e-6, 1e-6);
                if (eo[1] != null) {
                    Tolerance.assertClose("norms " + what, eo[1], ao[1], 0, 1e-6);
                }
            }
            case NORMALIZE_BACKWARD -> {
                double bound = 0;
                for (int row = 0; row < inputs[1].length; row++) {
                    double gg = Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(inputs[2], row * dim, dim));
                    double yy = org.marginkernels.spi.RowCheck.sumOfSquares(inputs[0], row * dim, dim);
                    bound = Math.max(bound, gg * (1 + yy) / inputs[1][row]);
                }
                Tolerance.assertClose("l2NormalizeBackward " + what, eo[0], ao[0],
                        1e-5 * Tolerance.maxAbs(eo[0]) + 0x1p-17 * bound, 1e-5);
            }
            case COSINES -> Tolerance.assertClose("cosineLogits " + what, eo[0], ao[0], cosineError(), 0);
            case COSINES_BACKWARD -> {
                int batch = inputs[0].length / dim;
                int classes = inputs[1].length / dim;
                double rowBound = 0;
                double[] colSums = new double[classes];
                for (int i = 0; i < batch; i++) {
                    double sum = 0;
                    for (int j = 0; j < classes; j++) {
                        sum += Math.abs(inputs[2][i * classes + j]);
                        colSums[j] += Math.abs(inputs[2][i * classes + j]);
                    }
                    rowBound = Math.max(rowBound, sum);
                }
                double colBound = Arrays.stream(colSums).max().orElse(0);
                closeIfPresent("cosineLogitsBackward dX " + what, eo[0], ao[0], 1e-5,
                        0x1p-18 * rowBound / BackendAgreementContract.minRowNorm(inputs[0], dim));
                closeIfPresent("cosineLogitsBackward dW " + what, eo[1], ao[1], 1e-5,
                        0x1p-18 * colBound / BackendAgreementContract.minRowNorm(inputs[1], dim));
            }
            case MARGIN -> Tolerance.assertClose("marginForward " + what, eo[0], ao[0],
                    1e-6 + BackendAgreementContract.clampSlack(loss), 1e-6);
            case MARGIN_BACKWARD -> Tolerance.assertClose("marginBackward " + what, eo[0], ao[0],
                    1e-5 * Tolerance.maxAbs(eo[0]), 1e-4);
            case SOFTMAX -> {
                assertEquals(e.result().loss(), a.result().loss(), 1e-5 * (1 + Math.abs(e.result().loss())), what);
                if (eo[0] != null) {
                    Tolerance.assertClose("softmax gradient " + what, eo[0], ao[0],
                            1e-5 * Tolerance.maxAbs(eo[0]) + flushedProbability(scale), 1e-4);
                }
            }
            case SCALE_FOR -> assertEquals(e.value(), a.value(), 1e-12 * e.value(), what);
            case PAIRS -> Tolerance.assertClose("pairCosines " + what, eo[0], ao[0], cosineError(), 0);
            case SIMILARITY -> assertEquals(e.value(), a.value(), cosineError(), what);
            case TOP_K -> topKAgrees(e, a, what);
        }
    }

    /**
     * The relative error dz of the float backends' logits and gradients: a cosine error dc moves a logit by
     * s dc |f'(c_y)| (at least 11: the catalogue's margins away from the clamp, and g' = 1 + t of an MV transform at
     * t = 10), and moves the target's factor f'(c_y) itself by its variation over [c_y - dc, c_y + dc] (steep margins
     * such as arcFaceEasy or combined(4, ...) near c = 1, where f'' ~ 1 / sin^3 theta, and the clamp, where f'
     * drops to 0).
     */
    private double relativeError(Problem p, double scale) {
        float[] cos = new float[p.batch() * p.classes()];
        reference.cosineLogits(p.features(), p.weights(), p.dim(), cos);
        double dc = cosineError();
        double dz = scale * dc * 11;
        for (int i = 0; i < p.batch(); i++) {
            int y = p.labels()[i];
            if (y >= 0) {
                double c = cos[i * p.classes() + y];
                double norm = Math.sqrt(RowCheck.sumOfSquares(p.features(), i * p.dim(), p.dim()));
                java.util.function.DoubleUnaryOperator d = v -> loss.spec().targetGradient(v, norm, 0);
                double slope = Math.abs(d.applyAsDouble(c));
                double change = Math.max(Math.abs(d.applyAsDouble(c + dc) - d.applyAsDouble(c)),
                        Math.abs(d.applyAsDouble(c - dc) - d.applyAsDouble(c)));
                dz = Math.max(dz, scale * dc * Math.max(11, slope) + change / Math.max(slope, 1e-300));
            }
        }
        return dz;
    }

    /**
     * What a probability below the normal floats may become in a gradient: the float backends' exp flushes results
     * below 2^-126 to 0, and the row factor w s F'(lp) is at most s (1 + gamma / e) &lt;= 5 s (focal gamma &lt;= 10).
     */
    private static double flushedProbability(double scale) {
        return 5 * scale * 0x1p-126;
    }

    /**
     * The float cosine's error against the double one: dim rounding errors of 2^-24 that add like a random walk,
     * four standard deviations (1.5e-6 at dim 33, 3.8e-6 at 257), and never below the suite's 1e-6.
     */
    private double cosineError() {
        // cosineSimilarity takes no dim: its vectors are whole arrays
        int length = op == Op.SIMILARITY ? inputs[0].length : dim;
        return Math.max(1e-6, 4 * Math.sqrt(length) * 0x1p-24);
    }

    private static void closeIfPresent(String what, float[] expected, float[] actual, double rel, double floor) {
        if (expected != null) {
            Tolerance.assertClose(what, expected, actual, rel * Tolerance.maxAbs(expected) + floor, rel);
        }
    }

    /** Scores within 1e-6; an index may differ only between near-ties: its true cosine equals the expected score. */
    private void topKAgrees(Outcome e, Outcome a, String what) {
        Tolerance.assertClose("topK scores " + what, e.outputs()[0], a.outputs()[0], cosineError(), 0);
        int q = inputs[0].length / dim;
        int g = inputs[1].length / dim;
        for (int i = 0; i < q; i++) {
            for (int r = 0; r < k; r++) {
                int j = a.indices()[i * k + r];
                double dot = 0;
                for (int d = 0; d < dim; d++) {
                    dot += (double) inputs[0][i * dim + d] * inputs[1][j * dim + d];
                }
                double cos = dot / Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(inputs[0], i * dim, dim))
                        / Math.sqrt(org.marginkernels.spi.RowCheck.sumOfSquares(inputs[1], j * dim, dim));
                assertTrue(j >= 0 && j < g && Math.abs(cos - e.outputs()[0][i * k + r]) <= 2 * cosineError(),
                        "query " + i + " rank " + r + ": index " + j + " has cosine " + cos + ": " + what);
            }
        }
    }
}
