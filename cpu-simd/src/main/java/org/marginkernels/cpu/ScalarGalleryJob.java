package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;
import org.marginkernels.reference.ScalarGalleryKernels;

/** The gallery panel kernels in plain Java, for the cpu searcher where the Vector API is not used. */
final class ScalarGalleryJob implements GalleryKernelsJob {

    @Override
    public void floatPanel(float[] a, int q, int dim, MemorySegment rows, long panelElement, float[] c) {
        ScalarGalleryKernels.floatPanel(a, q, dim, rows, panelElement, c);
    }

    @Override
    public void codePanel(float[] a, int q, int dim, MemorySegment codes, long panelElement, float[] c) {
        ScalarGalleryKernels.codePanel(a, q, dim, codes, panelElement, c);
    }
}
