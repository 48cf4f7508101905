package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;

/**
 * The panel kernels of the cpu gallery searcher, with the contracts of
 * {@link org.marginkernels.reference.ScalarGalleryKernels}: c[i PANEL + j] is one FMA chain over the coordinates of
 * query i and row j of the panel, for i &lt; q. Implemented by {@link PanamaGalleryKernels} (one hidden copy per
 * species) and {@link ScalarGalleryJob}.
 */
interface GalleryKernelsJob {

    /** Scores of q queries (rows of a, dim apart) against the float panel at element panelElement. c modified. */
    void floatPanel(float[] a, int q, int dim, MemorySegment rows, long panelElement, float[] c);

    /** The same against the int8 code panel at byte panelElement. c modified. */
    void codePanel(float[] a, int q, int dim, MemorySegment codes, long panelElement, float[] c);
}
