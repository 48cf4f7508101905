package org.marginkernels.cpu;

/**
 * Sub-center pooling of a cosine tile (Sub-center ArcFace, Deng et al., ECCV 2020, Sec. 3.1): the class cosine is
 * the largest of its K sub-centers' cosines, as insightface's subcenter_arcface takes the max of fc7 reshaped to
 * (B, C, K); its gradient goes to that sub-center only. Ties go to the lowest k, so the choice is deterministic and
 * the same on every backend.
 */
final class SubCenterPooling {

    private SubCenterPooling() {
    }

    /**
     * For rows [row0, row0 + rows) and classes j &lt; n: pooled[i][j] = max_k raw[i][j K + k] and nearest[i][j] the
     * k of that max. Row i of raw starts at {@code rawOff + i * rawStride}, of pooled and nearest at
     * {@code pooledOff + i * pooledStride}.
     *
     * @param raw the tile's cosines, n K columns per row. Not modified.
     * @param pooled receives the class cosines. Modified.
     * @param nearest receives the nearest sub-center per class. Modified.
     */
    static void pool(float[] raw, int rawOff, int rawStride, int n, int sub, int row0, int rows, float[] pooled,
            byte[] nearest, int pooledOff, int pooledStride) {
        if (sub == 3) {
            poolThree(raw, rawOff, rawStride, n, row0, rows, pooled, nearest, pooledOff, pooledStride);
            return;
        }
        for (int i = row0; i < row0 + rows; i++) {
            int r = rawOff + i * rawStride;
            int p = pooledOff + i * pooledStride;
            for (int j = 0; j < n; j++, r += sub) {
                float best = raw[r];
                int k0 = 0;
                for (int k = 1; k < sub; k++) {
                    if (raw[r + k] > best) {
                        best = raw[r + k];
                        k0 = k;
                    }
                }
                pooled[p + j] = best;
                nearest[p + j] = (byte) k0;
            }
        }
    }

    /** {@link #pool} for K = 3, the paper's and the catalogue's choice: the k loop unrolled, no branches. */
    private static void poolThree(float[] raw, int rawOff, int rawStride, int n, int row0, int rows, float[] pooled,
            byte[] nearest, int pooledOff, int pooledStride) {
        for (int i = row0; i < row0 + rows; i++) {
            int r = rawOff + i * rawStride;
            int p = pooledOff + i * pooledStride;
            for (int j = 0; j < n; j++, r += 3) {
                float c0 = raw[r];
                float c1 = raw[r + 1];
                float c2 = raw[r + 2];
                // strict comparisons, as the general loop: a tie keeps the lower k
                boolean one = c1 > c0;
                float best = one ? c1 : c0;
                boolean two = c2 > best;
                pooled[p + j] = two ? c2 : best;
                nearest[p + j] = (byte) (two ? 2 : one ? 1 : 0);
            }
        }
    }

    /**
     * The backward of {@link #pool} for rows [0, batch): dc[i][j K + k] = pooledGrad[i][j] where k = nearest[i][j],
     * 0 for the class's other sub-centers.
     *
     * @param pooledGrad dL/dc per class, row i from {@code pooledOff + i * pooledStride}. Not modified.
     * @param nearest as {@link #pool} wrote it, row i from {@code nearestOff + i * pooledStride}. Not modified.
     * @param dc receives dL/dc per sub-center, n K columns per row from {@code dcOff + i * dcStride}. Modified.
     */
    static void scatter(float[] pooledGrad, int pooledOff, byte[] nearest, int nearestOff, int pooledStride, int n,
            int sub, int batch, float[] dc, int dcOff, int dcStride) {
        for (int i = 0; i < batch; i++) {
            int p = pooledOff + i * pooledStride;
            int q = nearestOff + i * pooledStride;
            int d = dcOff + i * dcStride;
            // one vectorized fill of the row, then one store per class: half the passes of a per-class zeroing
            java.util.Arrays.fill(dc, d, d + n * sub, 0f);
            for (int j = 0; j < n; j++, d += sub) {
                dc[d + nearest[q + j]] = pooledGrad[p + j];
            }
        }
    }
}
