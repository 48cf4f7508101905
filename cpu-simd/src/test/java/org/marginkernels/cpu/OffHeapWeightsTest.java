package org.marginkernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.marginkernels.Backend;
import org.marginkernels.BackendOptions;
import org.marginkernels.Backends;
import org.marginkernels.CurricularFace;
import org.marginkernels.LossResult;
import org.marginkernels.LossState;
import org.marginkernels.MarginSoftmax;
import org.marginkernels.Margins;
import org.marginkernels.StepResult;
import org.marginkernels.reference.ReferenceBackend;
import org.marginkernels.spi.KernelBackend;

/**
 * Off-heap weights (issue 14): the segment path gives the float[] path's results bit for bit, on cpu (which stages
 * one class tile at a time: shapes across tile edges, offsets not zero, K = 3 sub-centers, an uncached workspace,
 * a stateful loss) and on reference (which copies); bad segments are refused before anything is written.
 */
class OffHeapWeightsTest {

    private static final MarginSoftmax ARC_FACE = MarginSoftmax.builder().margin(Margins.arcFace(0.5)).scale(64)
            .build();
    /** Byte offsets of the weights and the gradient in their segments: not zero, and different. */
    private static final long W_OFFSET = 12;
    private static final long DW_OFFSET = 20;
    private static final float SENTINEL = 7.25f;

    /** (batch, dim, classes, K): one tile, a tile edge exactly, several tiles with a short last one, sub-centers. */
    private static final int[][] SHAPES = {{5, 16, 7, 1}, {9, 8, 32, 1}, {37, 33, 301, 1}, {13, 7, 65, 3},
            {17, 24, 40, 3}};

    @Test
    void cpuSegmentPathEqualsTheArrayPathBitForBit() {
        for (boolean cached : new boolean[] {true, false}) {
            BackendOptions o = BackendOptions.defaults().withThreads(2).withWorkspaceBytes(cached ? 1 << 26 : 1);
            try (CpuBackend cpu = new CpuBackend(CpuTestSupport.kernels(0), o, 16)) {
                for (int[] shape : SHAPES) {
                    assertSameAsArrays(cpu, shape, cached);
                }
            }
        }
    }

    @Test
    void referenceSegmentPathEqualsTheArrayPathBitForBit() {
        try (ReferenceBackend reference = new ReferenceBackend()) {
            for (int[] shape : SHAPES) {
                assertSameAsArrays(reference, shape, true);
            }
        }
    }

    @Test
    void facadeStepOfAStatefulLossMatchesTheArrayStep() {
        MarginSoftmax loss = CurricularFace.loss(0.5, 64);
        int[] shape = {23, 40, 600, 1};
        CpuTestSupport.Problem p = problem(shape, 11);
        try (Backend cpu = Backends.named("cpu"); Arena arena = Arena.ofShared()) {
            MemorySegment w = segment(arena, p.weights(), W_OFFSET);
            MemorySegment dw = arena.allocate(DW_OFFSET + 4L * p.weights().length, 4);
            LossState heapState = LossState.empty();
            LossState segmentState = LossState.empty();
            for (int step = 0; step < 2; step++) {
                float[] dx = new float[p.features().length];
                float[] dwHeap = new float[p.weights().length];
                float[] dxSegment = new float[p.features().length];
                StepResult heap = cpu.step(loss, heapState, p.features(), p.weights(), p.labels(), p.dim(), dx,
                        dwHeap);
                StepResult off = cpu.step(loss, segmentState, p.features(), w, W_OFFSET, shape[2], p.labels(),
                        p.dim(), dxSegment, dw, DW_OFFSET);
                assertEquals(heap.state(), off.state());
                assertEquals(heap.result().loss(), off.result().loss(), 0);
                assertArrayEquals(dx, dxSegment);
                assertArrayEquals(dwHeap, floats(dw, DW_OFFSET, dwHeap.length));
                heapState = heap.state();
                segmentState = off.state();
            }
            assertTrue(heapState.values().get(CurricularFace.T) != 0, "t advanced");
        }
    }

    @Test
    void badSegmentsAreRefusedBeforeAnythingIsWritten() {
        // more feature floats than weight floats, so a gradient segment over the features passes the bounds check
        int[] shape = {40, 8, 20, 1};
        CpuTestSupport.Problem p = problem(shape, 5);
        long bytes = 4L * p.weights().length;
        try (Backend cpu = Backends.named("cpu"); Arena arena = Arena.ofShared()) {
            MemorySegment w = segment(arena, p.weights(), W_OFFSET);
            MemorySegment dw = arena.allocate(DW_OFFSET + bytes, 4);
            refused(cpu, p, w, W_OFFSET + 12, dw, DW_OFFSET, "weights must hold");
            refused(cpu, p, w, -4, dw, DW_OFFSET, "weightsOffset must be");
            refused(cpu, p, w, W_OFFSET - 2, dw, DW_OFFSET, "weightsOffset must be");
            refused(cpu, p, w, W_OFFSET, dw, DW_OFFSET + 4, "weightGrad must hold");
            refused(cpu, p, MemorySegment.ofArray(new byte[(int) (W_OFFSET + bytes)]).copyFrom(w.asSlice(0,
                    W_OFFSET + bytes)), W_OFFSET, dw,
                    DW_OFFSET, "weightsOffset must be");
            refused(cpu, p, w, W_OFFSET, dw.asReadOnly(), DW_OFFSET, "weightGrad must be writable");
            refused(cpu, p, w, W_OFFSET, w, W_OFFSET + 8, "weightGrad must not overlap weights");
            refused(cpu, p, w, W_OFFSET, MemorySegment.ofArray(p.features()), 0, "weightGrad must not wrap");
            try (Arena confined = Arena.ofConfined()) {
                refused(cpu, p, segment(confined, p.weights(), W_OFFSET), W_OFFSET, dw, DW_OFFSET,
                        "weights must be readable by the backend's worker threads");
            }
            float[] bad = p.weights().clone();
            bad[13 * shape[1] + 3] = Float.NaN;
            String expected = assertThrows(IllegalArgumentException.class, () -> cpu.forwardBackward(ARC_FACE,
                    p.features(), bad, p.labels(), p.dim(), null, null)).getMessage();
            refused(cpu, p, segment(arena, bad, W_OFFSET), W_OFFSET, dw, DW_OFFSET, expected);
        }
        try (Backend reference = Backends.named("reference"); Arena arena = Arena.ofShared()) {
            float[] bad = p.weights().clone();
            bad[2 * shape[1]] = Float.POSITIVE_INFINITY;
            refused(reference, p, segment(arena, bad, W_OFFSET), W_OFFSET, arena.allocate(DW_OFFSET + bytes, 4),
                    DW_OFFSET, "weights must be finite, got Infinity at index " + 2 * shape[1]);
        }
    }

    @Test
    void theCopyingDefaultRefusesWeightsBeyondAJavaArray() {
        int classes = (KernelBackend.MAX_HEAP_FLOATS / 64) + 1;
        try (ReferenceBackend reference = new ReferenceBackend(); Arena arena = Arena.ofShared()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> reference.forwardBackward(ARC_FACE, new float[64], arena.allocate(4), 0, classes,
                            new int[] {0}, 64, null, null, 0));
            assertTrue(e.getMessage().contains(String.valueOf(KernelBackend.MAX_HEAP_FLOATS)), e.getMessage());
        }
    }

    /** Runs one segment call on bad input: an IllegalArgumentException with {@code message}, memory untouched. */
    private static void refused(Backend backend, CpuTestSupport.Problem p, MemorySegment w, long wOffset,
            MemorySegment dw, long dwOffset, String message) {
        float[] dx = new float[p.features().length];
        Arrays.fill(dx, SENTINEL);
        byte[] dwBefore = dw.toArray(ValueLayout.JAVA_BYTE);
        byte[] wBefore = w.toArray(ValueLayout.JAVA_BYTE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.forwardBackward(
                ARC_FACE, p.features(), w, wOffset, p.classes(), p.labels(), p.dim(), dx, dw, dwOffset));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        for (float v : dx) {
            assertEquals(SENTINEL, v);
        }
        assertArrayEquals(dwBefore, dw.toArray(ValueLayout.JAVA_BYTE), message + ": weightGrad untouched");
        assertArrayEquals(wBefore, w.toArray(ValueLayout.JAVA_BYTE), message + ": weights untouched");
    }

    /** forwardBackward through segments at nonzero offsets against the float[] call, every gradient combination. */
    private static void assertSameAsArrays(KernelBackend backend, int[] shape, boolean cached) {
        MarginSoftmax loss = ARC_FACE.toBuilder().subCenters(shape[3]).build();
        CpuTestSupport.Problem p = problem(shape, 31L * shape[2] + shape[1]);
        String where = Arrays.toString(shape) + (cached ? "" : " uncached") + " on " + backend.name();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment w = segment(arena, p.weights(), W_OFFSET);
            for (int grads = 0; grads < 4; grads++) {
                boolean withDx = (grads & 1) != 0;
                boolean withDw = (grads & 2) != 0;
                float[] dx = withDx ? new float[p.features().length] : null;
                float[] dw = withDw ? new float[p.weights().length] : null;
                float[] dxSegment = withDx ? new float[p.features().length] : null;
                MemorySegment dwSegment = withDw ? arena.allocate(DW_OFFSET + 4L * p.weights().length, 4) : null;
                LossResult heap = backend.forwardBackward(loss, p.features(), p.weights(), p.labels(), p.dim(), dx, dw);
                LossResult off = backend.forwardBackward(loss, p.features(), w, W_OFFSET, shape[2], p.labels(),
                        p.dim(), dxSegment, dwSegment, DW_OFFSET);
                assertEquals(heap.loss(), off.loss(), 0, where);
                assertEquals(heap.scale(), off.scale(), 0, where);
                if (withDx) {
                    assertArrayEquals(dx, dxSegment, where);
                }
                if (withDw) {
                    assertArrayEquals(dw, floats(dwSegment, DW_OFFSET, dw.length), where);
                }
            }
            assertArrayEquals(p.weights(), floats(w, W_OFFSET, p.weights().length), where + ": weights unchanged");
        }
    }

    private static CpuTestSupport.Problem problem(int[] shape, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int batch = shape[0];
        int dim = shape[1];
        int classes = shape[2];
        int rows = classes * shape[3];
        float[] w = CpuTestSupport.randomMatrix(r, rows, dim);
        float[] x = CpuTestSupport.randomMatrix(r, batch, dim);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 7 == 3 ? -1 : r.nextInt(classes);
        }
        return new CpuTestSupport.Problem(x, w, labels, dim);
    }

    /** A fresh segment holding {@code values} from byte {@code offset}, with bytes before it. */
    private static MemorySegment segment(Arena arena, float[] values, long offset) {
        MemorySegment s = arena.allocate(offset + 4L * values.length + 8, 4);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT, offset, values.length);
        return s;
    }

    private static float[] floats(MemorySegment s, long offset, int n) {
        float[] out = new float[n];
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, offset, out, 0, n);
        return out;
    }
}
