package org.marginkernels.cpu;

import java.lang.foreign.MemorySegment;
import org.marginkernels.spi.GalleryLayout;
import org.marginkernels.spi.GalleryScan;
import org.marginkernels.spi.GallerySearcher;
import org.marginkernels.spi.GalleryView;
import org.marginkernels.spi.TopK;

/**
 * The cpu gallery searcher ("cpu"): the gallery's panels cut into tasks of {@value #TASK_PANELS} panels (a
 * constant, so the cut never depends on the thread count) run by a {@link WorkerPool}; each worker keeps one top-k
 * selector per query, and the workers' selectors are merged in worker order. Scores are computed by the same FMA
 * chain whichever worker or register block computes them, and the selectors' order is total (score, then id), so
 * results are bit-identical for any thread count and scheduling.
 *
 * <p>Per panel, the kernels compute the batch x 32 score tile (a GEMM of the queries against the packed panel,
 * which stays in L2 while every query block passes it; for one query, a scan whose lanes are rows) and the
 * selectors read it right away, so memory does not grow with the gallery.
 */
final class CpuGallerySearcher implements GallerySearcher {

    /** The name users select it by. */
    static final String NAME = "cpu";

    /** Panels per task: 2048 rows, 4 MiB of float rows at dim 512, enough tasks to balance two or more workers. */
    static final int TASK_PANELS = 64;

    private final GalleryKernelsJob kernels;
    private final WorkerPool pool;
    private final String description;

    CpuGallerySearcher(GalleryKernelsJob kernels, int threads, String description) {
        this.kernels = kernels;
        this.pool = new WorkerPool(threads);
        this.description = description;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int threads() {
        return pool.size();
    }

    /** The kernels in use, such as "panama 256-bit". */
    String kernels() {
        return description;
    }

    @Override
    public void search(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores) {
        scan(gallery, queries, q, k, rows, scores, false);
    }

    @Override
    public void searchCodes(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores) {
        scan(gallery, queries, q, k, rows, scores, true);
    }

    private void scan(GalleryView gallery, float[] queries, int q, int k, int[] rows, float[] scores,
            boolean codes) {
        long panels = GalleryLayout.panels(gallery.count());
        int tasks = (int) ((panels + TASK_PANELS - 1) / TASK_PANELS);
        int dim = gallery.dim();
        long panelElements = GalleryLayout.panelElements(dim);
        MemorySegment source = codes ? gallery.codes() : gallery.rows();
        TopK[][] perWorker = new TopK[pool.size()][];
        float[][] tiles = new float[pool.size()][];
        pool.run(tasks, (t, w) -> {
            if (perWorker[w] == null) {
                perWorker[w] = GalleryScan.selectors(q, k);
                tiles[w] = new float[q * GalleryLayout.PANEL];
            }
            float[] tile = tiles[w];
            long end = Math.min(panels, (long) (t + 1) * TASK_PANELS);
            for (long p = (long) t * TASK_PANELS; p < end; p++) {
                if (codes) {
                    kernels.codePanel(queries, q, dim, source, p * panelElements, tile);
                } else {
                    kernels.floatPanel(queries, q, dim, source, p * panelElements, tile);
                }
                GalleryScan.offerPanel(gallery, p, tile, q, perWorker[w], codes);
            }
        });
        GalleryScan.drain(perWorker, q, k, rows, scores);
    }

    @Override
    public void close() {
        pool.close();
    }
}
