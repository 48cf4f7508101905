/* margin-kernels generated source; do not edit */
/* dialect: OpenCL C */
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL_MEM __local
#define LOCAL_PTR __local
#define DEVICE inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define LOCAL_X ((int) get_local_id(0))
#define LOCAL_Y ((int) get_local_id(1))
#define GROUP_X ((int) get_group_id(0))
#define GROUP_Y ((int) get_group_id(1))
#define GLOBAL_X ((int) get_global_id(0))
#define GLOBAL_Y ((int) get_global_id(1))
#define SQRTF sqrt
#define EXPF exp
#define LOGF log
#define FMAXF fmax
#define FABSF fabs
#define FMAF fma
#define ILOGBF ilogb
#define LDEXPF ldexp

/*
 * margin-kernels device code: one C99 body for OpenCL C and CUDA C. The dialect prelude maps KERNEL, GLOBAL,
 * LOCAL_MEM, LOCAL_PTR, DEVICE, BARRIER, LOCAL_X/Y, GROUP_X/Y, GLOBAL_X/Y and the float math names; the loss
 * functions mk_negative, mk_negative_grad and mk_negative_target_grad are printed from the kernel spec above this
 * body (the target transform f(c_y) and f'(c_y) are per-row values the host computes in double). The loss's
 * parameters are not in the source: every kernel that calls a loss function takes them as its first argument, args,
 * so one program serves every parameter value. Every reduction
 * runs in a fixed order, so results do not depend on scheduling.
 *
 * Ranges: rows have norms in [1e-15, 2^126] (elements up to about 1e37), so no kernel sums raw squares or raw
 * products that could overflow: norms are scaled, cosines are dot products of a normalized row with a raw row
 * (bounded by the raw row's norm), and exponents are formed as scale * (a - b) of the unscaled values.
 *
 * Launch shapes: "tile" kernels run TILE x TILE work-groups (x = class in tile, y = row in tile); "row" kernels run
 * one work-item per row (or per element) in 1-D or 2-D groups of any size.
 */
#define TILE 16
/*
 * Sub-center ArcFace (Deng et al., ECCV 2020): K sub-centers per class, class c's at weight rows c K .. c K + K - 1,
 * the class cosine their max and its gradient to that sub-center only. A program of K > 1 defines MK_SUBCENTERS
 * above this body; every use is a compile-time constant, so K = 1 compiles to the plain kernels.
 */
#ifndef MK_SUBCENTERS
#define MK_SUBCENTERS 1
#endif
#define TILE_PAD (TILE + 1)
#define NEG_INF (-INFINITY)
/* 2^-80: a float sum of squares at least this large lost no significant digit to subnormal squares */
#define SAFE_SUM_OF_SQUARES 8.27180613e-25f

/*
 * c = (xhat_row . w_cls) * winv_cls for row = row0 + LOCAL_Y and weight row cls = class0 + LOCAL_X; 0 outside
 * [rows, classEnd). The products are accumulated with FMAF in k order (zero
 * padding included), so mk_target_cosines, which repeats this order, gives every target cosine bit for bit.
 */
DEVICE float mk_cosine_tile(GLOBAL const float* xhat, GLOBAL const float* w, GLOBAL const float* winv,
        const int rows, const int classEnd, const int dim, const int row0, const int class0, LOCAL_PTR float* xs,
        LOCAL_PTR float* ws) {
    const int ty = LOCAL_Y;
    const int tx = LOCAL_X;
    float acc = 0.0f;
    for (int k0 = 0; k0 < dim; k0 += TILE) {
        const int k = k0 + tx;
        xs[ty * TILE_PAD + tx] = (row0 + ty < rows && k < dim) ? xhat[(long) (row0 + ty) * dim + k] : 0.0f;
        ws[ty * TILE_PAD + tx] = (class0 + ty < classEnd && k < dim)
                ? w[(long) (class0 + ty) * dim + k] : 0.0f;
        BARRIER();
        for (int kk = 0; kk < TILE; kk++) {
            acc = FMAF(xs[ty * TILE_PAD + kk], ws[tx * TILE_PAD + kk], acc);
        }
        BARRIER();
    }
    return class0 + tx < classEnd ? acc * winv[class0 + tx] : 0.0f;
}

/*
 * Register blocking of the fused kernels: a TILE x TILE work-group owns an MK_BLOCK x MK_BLOCK block of outputs
 * (rows x classes for the cosine tile and dX, classes x rows for dW), each work-item an MK_MICRO x MK_MICRO micro-tile
 * in registers: outputs (LOCAL_Y + TILE a, LOCAL_X + TILE b) for a, b < MK_MICRO. Operands are staged through local
 * memory TILE k-values at a time, transposed (k major) so that a work-item reads MK_MICRO values of each operand per
 * k and the TILE work-items of a row read consecutive words. Loads are four floats wide (vload4 / float4) when dim is
 * a multiple of 4, which keeps every row start 16-byte aligned.
 */
#define MK_BLOCK 64
#define MK_MICRO (MK_BLOCK / TILE)
#define MK_STAGE_PITCH (MK_BLOCK + 4)
#define MK_STAGE_FLOATS (TILE * MK_STAGE_PITCH)
/* a four-float load: OpenCL C's vload4 (4-byte alignment suffices), a float4 access in CUDA C (16-byte aligned) */
#ifdef __OPENCL_VERSION__
#define MK_LOAD4(p) vload4(0, (p))
#else
#define MK_LOAD4(p) (*(const float4*) (p))
#endif

/*
 * Stages rows [first, first + MK_BLOCK) x k [k0, k0 + TILE) of a (rows x dim, row r at src + (r * stride + sub) *
 * dim) into stage[k * MK_STAGE_PITCH + r - first], zeros outside [0, count) x [0, dim); every work-item moves four
 * consecutive k of one row.
 */
DEVICE void mk_stage_block(GLOBAL const float* src, const int first, const int count, const int dim, const int k0,
        const int stride, const int sub, LOCAL_PTR float* stage) {
    const int t = LOCAL_Y * TILE + LOCAL_X;
    const int r = t / 4;
    const int k = k0 + (t % 4) * 4;
    float v0 = 0.0f;
    float v1 = 0.0f;
    float v2 = 0.0f;
    float v3 = 0.0f;
    if (first + r < count) {
        GLOBAL const float* row = src + ((long) (first + r) * stride + sub) * dim;
        if ((dim & 3) == 0) {
            if (k < dim) {
                const float4 v = MK_LOAD4(row + k);
                v0 = v.x;
                v1 = v.y;
                v2 = v.z;
                v3 = v.w;
            }
        } else {
            v0 = k < dim ? row[k] : 0.0f;
            v1 = k + 1 < dim ? row[k + 1] : 0.0f;
            v2 = k + 2 < dim ? row[k + 2] : 0.0f;
            v3 = k + 3 < dim ? row[k + 3] : 0.0f;
        }
    }
    const int at = (t % 4) * 4 * MK_STAGE_PITCH + r;
    stage[at] = v0;
    stage[at + MK_STAGE_PITCH] = v1;
    stage[at + 2 * MK_STAGE_PITCH] = v2;
    stage[at + 3 * MK_STAGE_PITCH] = v3;
}

/*
 * c[a][b] = (xhat_row . w_r) * winv_r for row = row0 + LOCAL_Y + TILE a and weight row r = cls * stride + sub of class
 * cls = class0 + LOCAL_X + TILE b; 0 outside [rows, classEnd). Each product is accumulated with FMAF in k order (zero
 * padding to a multiple of TILE included), the order mk_target_cosines repeats, so every target cosine is bit for
 * bit the one a tile computes. xs and ws hold MK_STAGE_FLOATS each.
 */
DEVICE void mk_cosine_block(GLOBAL const float* xhat, GLOBAL const float* w, GLOBAL const float* winv,
        const int rows, const int classEnd, const int dim, const int row0, const int class0, const int stride,
        const int sub, LOCAL_PTR float* xs, LOCAL_PTR float* ws, float c[MK_MICRO][MK_MICRO]) {
    const int ty = LOCAL_Y;
    const int tx = LOCAL_X;
    for (int a = 0; a < MK_MICRO; a++) {
        for (int b = 0; b < MK_MICRO; b++) {
            c[a][b] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < dim; k0 += TILE) {
        mk_stage_block(xhat, row0, rows, dim, k0, 1, 0, xs);
        mk_stage_block(w, class0, classEnd, dim, k0, stride, sub, ws);
        BARRIER();
        for (int kk = 0; kk < TILE; kk++) {
            float xa[MK_MICRO];
            float wb[MK_MICRO];
            for (int a = 0; a < MK_MICRO; a++) {
                xa[a] = xs[kk * MK_STAGE_PITCH + ty + TILE * a];
            }
            for (int b = 0; b < MK_MICRO; b++) {
                wb[b] = ws[kk * MK_STAGE_PITCH + tx + TILE * b];
            }
            for (int a = 0; a < MK_MICRO; a++) {
                for (int b = 0; b < MK_MICRO; b++) {
                    c[a][b] = FMAF(xa[a], wb[b], c[a][b]);
                }
            }
        }
        BARRIER();
    }
    for (int b = 0; b < MK_MICRO; b++) {
        const int cls = class0 + tx + TILE * b;
        const float inv = cls < classEnd ? winv[(long) cls * stride + sub] : 0.0f;
        for (int a = 0; a < MK_MICRO; a++) {
            c[a][b] = cls < classEnd ? c[a][b] * inv : 0.0f;
        }
    }
}

/*
 * The class cosines of a block: the max of mk_cosine_block over each class's MK_SUBCENTERS sub-centers, nearest[a][b]
 * the sub-center of the max (ties: the lowest). The plain cosine block when MK_SUBCENTERS is 1.
 */
DEVICE void mk_class_cosine_block(GLOBAL const float* xhat, GLOBAL const float* w, GLOBAL const float* winv,
        const int rows, const int classEnd, const int dim, const int row0, const int class0, LOCAL_PTR float* xs,
        LOCAL_PTR float* ws, float c[MK_MICRO][MK_MICRO], int nearest[MK_MICRO][MK_MICRO]) {
    mk_cosine_block(xhat, w, winv, rows, classEnd, dim, row0, class0, MK_SUBCENTERS, 0, xs, ws, c);
    for (int a = 0; a < MK_MICRO; a++) {
        for (int b = 0; b < MK_MICRO; b++) {
            nearest[a][b] = 0;
        }
    }
    for (int sub = 1; sub < MK_SUBCENTERS; sub++) {
        float ck[MK_MICRO][MK_MICRO];
        mk_cosine_block(xhat, w, winv, rows, classEnd, dim, row0, class0, MK_SUBCENTERS, sub, xs, ws, ck);
        for (int a = 0; a < MK_MICRO; a++) {
            for (int b = 0; b < MK_MICRO; b++) {
                if (ck[a][b] > c[a][b]) {
                    c[a][b] = ck[a][b];
                    nearest[a][b] = sub;
                }
            }
        }
    }
}

/* scale * (a - b) where a - b itself may overflow (a, b up to FLT_MAX apart): halving is exact above subnormals. */
DEVICE float mk_scaled_gap(const float a, const float b, const float scale) {
    return (0.5f * a - 0.5f * b) * (2.0f * scale);
}

/*
 * The sum of an online softmax (max m, sum s of exp(scale (v - m))) after merging the partial (pm, ps); the merged
 * max is FMAXF(m, pm). An empty partial (pm = -infinity) leaves s as it is.
 */
DEVICE float mk_merged_sum(const float m, const float s, const float pm, const float ps, const float scale) {
    if (pm > m) {
        /* an empty running state (m = -infinity) is not scaled: at scale 0 (a float underflow) -inf * 0 is NaN */
        return m > NEG_INF ? s * EXPF(mk_scaled_gap(m, pm, scale)) + ps : ps;
    }
    return pm > NEG_INF ? s + ps * EXPF(mk_scaled_gap(pm, m, scale)) : s;
}

/*
 * |row| for a row of norm in [1e-15, 2^126]: from the float sum of squares when that neither overflowed nor fell
 * below SAFE_SUM_OF_SQUARES, otherwise from the row scaled by the power of two (exact) that brings its largest
 * element into [1, 2), rescaled after the square root (the LAPACK snrm2 idea without its divisions).
 */
DEVICE float mk_row_norm(GLOBAL const float* row, const int dim) {
    float sum = 0.0f;
    for (int k = 0; k < dim; k++) {
        sum = FMAF(row[k], row[k], sum);
    }
    if (sum >= SAFE_SUM_OF_SQUARES && sum < INFINITY) {
        return SQRTF(sum);
    }
    float largest = 0.0f;
    for (int k = 0; k < dim; k++) {
        largest = FMAXF(largest, FABSF(row[k]));
    }
    const int e0 = ILOGBF(largest);
    /* the clamp keeps 2^-e a normal float (an all-zero row, outside the contract, gives norm 0 as before) */
    const int e = e0 < -126 ? -126 : (e0 > 126 ? 126 : e0);
    const float down = LDEXPF(1.0f, -e);
    float scaled = 0.0f;
    for (int k = 0; k < dim; k++) {
        const float v = row[k] * down;
        scaled = FMAF(v, v, scaled);
    }
    return LDEXPF(SQRTF(scaled), e);
}

/*
 * dL/dc_ij of the fused backward: tcoef_i on the target, -g_i (p_ij - q) g'(c_ij, fy_i) elsewhere, with
 * p_ij = exp(scale (g(c_ij, fy_i) - gm_i) - shift_i), gm_i the row's largest non-target g, shift_i = lse_i -
 * scale gm_i and q the label smoothing mass epsilon / C (0 without).
 */
DEVICE float mk_cosine_grad(const float c, const int cls, const int y, const float fy, const float gm,
        const float shift, const float g, const float tcoef, const float scale, const float q,
        GLOBAL const float* args) {
    if (cls == y) {
        return tcoef;
    }
    if (g == 0.0f) {
        return 0.0f;
    }
    const float p = EXPF(mk_scaled_gap(mk_negative(c, fy, args), gm, scale) - shift);
    return -g * (p - q) * mk_negative_grad(c, fy, args);
}

/* norms_r = |x_r|, inv_r = 1 / |x_r| (a normal float for norms up to 2^126): one work-item per row. */
KERNEL void mk_row_norms(GLOBAL const float* x, const int rows, const int dim, GLOBAL float* norms,
        GLOBAL float* inv) {
    const int r = GLOBAL_X;
    if (r >= rows) {
        return;
    }
    const float n = mk_row_norm(x + (long) r * dim, dim);
    norms[r] = n;
    inv[r] = 1.0f / n;
}

/* out_r = x_r * inv_r: one work-item per row. */
KERNEL void mk_scale_rows(GLOBAL const float* x, GLOBAL const float* inv, const int rows, const int dim,
        GLOBAL float* out) {
    const int r = GLOBAL_X;
    if (r >= rows) {
        return;
    }
    for (int k = 0; k < dim; k++) {
        out[(long) r * dim + k] = x[(long) r * dim + k] * inv[r];
    }
}

/*
 * out_r = g_r - (g_r . y_r) y_r: the Jacobian of x / |x| applied to g, with g already divided by |x| (so that a
 * large upstream gradient over a large norm never forms g . y or g / |x| separately). One work-item per row.
 */
KERNEL void mk_project_rows(GLOBAL const float* y, GLOBAL const float* g, const int rows, const int dim,
        GLOBAL float* out) {
    const int r = GLOBAL_X;
    if (r >= rows) {
        return;
    }
    float dot = 0.0f;
    for (int k = 0; k < dim; k++) {
        dot += g[(long) r * dim + k] * y[(long) r * dim + k];
    }
    for (int k = 0; k < dim; k++) {
        out[(long) r * dim + k] = g[(long) r * dim + k] - dot * y[(long) r * dim + k];
    }
}

/*
 * out_(i - rowBegin) j = xhat_i . w_j * winv_j for i in [rowBegin, rowEnd), j in [0, classes): TILE x TILE groups
 * (y = row tile counted from rowBegin).
 */
KERNEL void mk_cosine_matrix(GLOBAL const float* xhat, GLOBAL const float* w, GLOBAL const float* winv,
        const int rowBegin, const int rowEnd, const int classes, const int dim, GLOBAL float* out) {
    LOCAL_MEM float xs[TILE * TILE_PAD];
    LOCAL_MEM float ws[TILE * TILE_PAD];
    const int row0 = rowBegin + GROUP_Y * TILE;
    const int class0 = GROUP_X * TILE;
    const float c = mk_cosine_tile(xhat, w, winv, rowEnd, classes, dim, row0, class0, xs, ws);
    const int row = row0 + LOCAL_Y;
    const int cls = class0 + LOCAL_X;
    if (row < rowEnd && cls < classes) {
        out[(long) (row - rowBegin) * classes + cls] = c;
    }
}

/*
 * out_ik = sum_j (a_ij rowScale_i) b_jk for a (m x n), b (n x p): one work-item per output, j in increasing order.
 * Scaling a first keeps the sum within the float range when a's row sums are large and rowScale small.
 */
KERNEL void mk_matmul_nn(GLOBAL const float* a, GLOBAL const float* rowScale, GLOBAL const float* b, const int m,
        const int n, const int p, GLOBAL float* out) {
    const int k = GLOBAL_X;
    const int i = GLOBAL_Y;
    if (i >= m || k >= p) {
        return;
    }
    const float si = rowScale[i];
    float acc = 0.0f;
    for (int j = 0; j < n; j++) {
        acc += (a[(long) i * n + j] * si) * b[(long) j * p + k];
    }
    out[(long) i * p + k] = acc;
}

/* out_jk = sum_i (a_ij colScale_j) b_ik for a (m x n), b (m x p): one work-item per output, i in increasing order. */
KERNEL void mk_matmul_tn(GLOBAL const float* a, GLOBAL const float* colScale, GLOBAL const float* b, const int m,
        const int n, const int p, GLOBAL float* out) {
    const int k = GLOBAL_X;
    const int j = GLOBAL_Y;
    if (j >= n || k >= p) {
        return;
    }
    const float sj = colScale[j];
    float acc = 0.0f;
    for (int i = 0; i < m; i++) {
        acc += (a[(long) i * n + j] * sj) * b[(long) i * p + k];
    }
    out[(long) j * p + k] = acc;
}

/* f_ij = fy_i at j = y_i, negative(c_ij, fy_i) elsewhere, c_ij on ignored rows: one work-item per element. */
KERNEL void mk_margin_forward(GLOBAL const float* args, GLOBAL const float* cosines, GLOBAL const int* labels,
        GLOBAL const float* fyRows, const int rows, const int classes, GLOBAL float* out) {
    const int j = GLOBAL_X;
    const int i = GLOBAL_Y;
    if (i >= rows || j >= classes) {
        return;
    }
    const int y = labels[i];
    const float c = cosines[(long) i * classes + j];
    if (y < 0) {
        out[(long) i * classes + j] = c;
        return;
    }
    const float fy = fyRows[i];
    out[(long) i * classes + j] = j == y ? fy : mk_negative(c, fy, args);
}

/*
 * dL/dc from dL/df, the target's dL/dc_iy = (dL/df_iy + sum_{j != y} dL/df_ij dg/dfy) f'(c_iy) with fy_i and
 * f'(c_iy) = dfy_i from the host: one work-item per row.
 */
KERNEL void mk_margin_backward(GLOBAL const float* args, GLOBAL const float* cosines, GLOBAL const int* labels,
        GLOBAL const float* fyRows, GLOBAL const float* dfyRows, GLOBAL const float* df, const int rows,
        const int classes, GLOBAL float* dc) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    const int y = labels[i];
    if (y < 0) {
        for (int j = 0; j < classes; j++) {
            dc[(long) i * classes + j] = 0.0f;
        }
        return;
    }
    const float fy = fyRows[i];
    float throughTarget = df[(long) i * classes + y];
    for (int j = 0; j < classes; j++) {
        if (j != y) {
            const float c = cosines[(long) i * classes + j];
            const float g = df[(long) i * classes + j];
            dc[(long) i * classes + j] = g * mk_negative_grad(c, fy, args);
            throughTarget += g * mk_negative_target_grad(c, fy, args);
        }
    }
    dc[(long) i * classes + y] = throughTarget * dfyRows[i];
}

/*
 * Per row: the largest f_ij (fm_i) and the sum over NON-target classes of exp(scale (f_ij - fm_i)). Leaving the
 * target out lets the host compute log p_y = -log1p(S e^(m - z_y)) without the cancellation of z_y - lse when p_y
 * is near 1, which in float leaves no correct digit of a small loss. One work-item per row; ignored rows (y < 0)
 * sum every class.
 */
KERNEL void mk_softmax_rows(GLOBAL const float* f, GLOBAL const int* labels, const int rows, const int classes,
        const float scale, GLOBAL float* rowMax, GLOBAL float* nonTargetSum) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    const int y = labels[i];
    float fm = NEG_INF;
    for (int j = 0; j < classes; j++) {
        fm = FMAXF(fm, f[(long) i * classes + j]);
    }
    float s = 0.0f;
    for (int j = 0; j < classes; j++) {
        s += j == y ? 0.0f : EXPF(mk_scaled_gap(f[(long) i * classes + j], fm, scale));
    }
    rowMax[i] = fm;
    nonTargetSum[i] = s;
}

/*
 * dL/df_ij = -g_i (p_ij - q) off the target, p_ij = exp(scale (f_ij - fm_i) - shift_i) with shift_i = lse_i -
 * scale fm_i from the host and q the label smoothing mass epsilon / C, and g_i (1 - p_y - epsilon + q) on it, with
 * that factor computed on the host from -expm1(lp); 0 on ignored rows. One work-item per element.
 */
KERNEL void mk_softmax_grad(GLOBAL const float* f, GLOBAL const int* labels, GLOBAL const float* rowMax,
        GLOBAL const float* shift, GLOBAL const float* g, GLOBAL const float* oneMinusPy, const int rows,
        const int classes, const float scale, const float q, GLOBAL float* df) {
    const int j = GLOBAL_X;
    const int i = GLOBAL_Y;
    if (i >= rows || j >= classes) {
        return;
    }
    const int y = labels[i];
    const float p = EXPF(mk_scaled_gap(f[(long) i * classes + j], rowMax[i], scale) - shift[i]);
    df[(long) i * classes + j] = y < 0 ? 0.0f : (j == y ? g[i] * oneMinusPy[i] : -g[i] * (p - q));
}

/* out_r = (l_r / |l_r|) . (r_r / |r_r|): one work-item per row. */
KERNEL void mk_pair_cosines(GLOBAL const float* left, GLOBAL const float* right, const int rows, const int dim,
        GLOBAL float* out) {
    const int r = GLOBAL_X;
    if (r >= rows) {
        return;
    }
    GLOBAL const float* a = left + (long) r * dim;
    GLOBAL const float* b = right + (long) r * dim;
    const float ia = 1.0f / mk_row_norm(a, dim);
    const float ib = 1.0f / mk_row_norm(b, dim);
    float dot = 0.0f;
    for (int k = 0; k < dim; k++) {
        dot = FMAF(a[k] * ia, b[k] * ib, dot);
    }
    out[r] = dot;
}

/*
 * c_iy per row (0 on ignored rows), bit for bit the cosine mk_class_cosine_block computes for (i, y_i): the same FMAF
 * steps over the same zero-padded k range and the same max over sub-centers, so a class whose weight row equals the
 * target's ties with it exactly at the hard-negative test. One work-item per row.
 */
KERNEL void mk_target_cosines(GLOBAL const float* xhat, GLOBAL const float* w, GLOBAL const float* winv,
        GLOBAL const int* labels, const int rows, const int dim, GLOBAL float* cy) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    const int y = labels[i];
    if (y < 0) {
        cy[i] = 0.0f;
        return;
    }
    float best = 0.0f;
    for (int sub = 0; sub < MK_SUBCENTERS; sub++) {
        const long r = (long) y * MK_SUBCENTERS + sub;
        float acc = 0.0f;
        for (int k0 = 0; k0 < dim; k0 += TILE) {
            for (int kk = 0; kk < TILE; kk++) {
                const int k = k0 + kk;
                acc = FMAF(k < dim ? xhat[(long) i * dim + k] : 0.0f, k < dim ? w[r * dim + k] : 0.0f, acc);
            }
        }
        const float c = acc * winv[r];
        best = sub == 0 || c > best ? c : best;
    }
    cy[i] = best;
}

/*
 * Per (row, class chunk) partials of the fused forward, TILE x TILE groups (x = chunk, y = block of MK_BLOCK rows)
 * walking the chunk's MK_BLOCK-class blocks (chunk a multiple of MK_BLOCK). Modes 0 and 1 leave the target out so the
 * host can form 1 - p_y = exp(lse_nt - lse) without cancellation. mode 0: online (max v, sum exp(scale (v - max))) of
 * v = g(c, fy) over non-target classes; mode 1: the same of v = c (the AdaCos statistic); mode 2: sum over non-target
 * classes of (p_ij - q) dg/dfy(c, fy) with p_ij as in mk_cosine_grad (the path of the backward through fy); mode 3:
 * sum over non-target classes of g(c, fy) (label smoothing's mean logit). A work-item keeps one running state per row
 * of its micro-tile; the TILE states of a row are merged in LOCAL_X order. Partials go to outMax/outSum[chunk * rows +
 * row]; mk_fused_merge merges them in chunk order. The micro-tile loops are unrolled so the per-row states stay in
 * registers (without it nvcc keeps them in a 144-byte stack frame).
 */
KERNEL void mk_fused_partials(GLOBAL const float* args, GLOBAL const float* xhat, GLOBAL const float* w,
        GLOBAL const float* winv, GLOBAL const int* labels, GLOBAL const float* fyRows, GLOBAL const float* gmRows,
        GLOBAL const float* shiftRows, const int rows, const int classes, const int dim, const int chunk,
        const float scale, const float q, const int mode, GLOBAL float* outMax, GLOBAL float* outSum) {
    LOCAL_MEM float stage[2 * MK_STAGE_FLOATS];
    LOCAL_MEM float lm[MK_BLOCK * TILE_PAD];
    LOCAL_MEM float ls[MK_BLOCK * TILE_PAD];
    const int ty = LOCAL_Y;
    const int tx = LOCAL_X;
    const int row0 = GROUP_Y * MK_BLOCK;
    const int begin = GROUP_X * chunk;
    const int end = chunk < classes - begin ? begin + chunk : classes;
    int y[MK_MICRO];
    float fy[MK_MICRO];
    float gm[MK_MICRO];
    float shift[MK_MICRO];
    float m[MK_MICRO];
    float s[MK_MICRO];
    #pragma unroll
    for (int a = 0; a < MK_MICRO; a++) {
        const int row = row0 + ty + TILE * a;
        y[a] = row < rows ? labels[row] : -1;
        fy[a] = row < rows ? fyRows[row] : 0.0f;
        gm[a] = row < rows ? gmRows[row] : 0.0f;
        shift[a] = row < rows ? shiftRows[row] : 0.0f;
        m[a] = NEG_INF;
        s[a] = 0.0f;
    }
    for (int class0 = begin; class0 < end; class0 += MK_BLOCK) {
        float c[MK_MICRO][MK_MICRO];
        int nearest[MK_MICRO][MK_MICRO];
        mk_class_cosine_block(xhat, w, winv, rows, end, dim, row0, class0, stage, stage + MK_STAGE_FLOATS, c,
                nearest);
        #pragma unroll
    for (int a = 0; a < MK_MICRO; a++) {
            if (row0 + ty + TILE * a >= rows) {
                continue;
            }
            #pragma unroll
            for (int b = 0; b < MK_MICRO; b++) {
                const int cls = class0 + tx + TILE * b;
                if (cls >= end || cls == y[a]) {
                    continue;
                }
                if (mode == 2) {
                    s[a] += (EXPF(mk_scaled_gap(mk_negative(c[a][b], fy[a], args), gm[a], scale) - shift[a]) - q)
                            * mk_negative_target_grad(c[a][b], fy[a], args);
                } else if (mode == 3) {
                    s[a] += mk_negative(c[a][b], fy[a], args);
                } else {
                    const float v = mode == 1 ? c[a][b] : mk_negative(c[a][b], fy[a], args);
                    s[a] = mk_merged_sum(m[a], s[a], v, 1.0f, scale);
                    m[a] = FMAXF(m[a], v);
                }
            }
        }
    }
    #pragma unroll
    for (int a = 0; a < MK_MICRO; a++) {
        lm[(ty + TILE * a) * TILE_PAD + tx] = m[a];
        ls[(ty + TILE * a) * TILE_PAD + tx] = s[a];
    }
    BARRIER();
    const int r = ty * TILE + tx;
    if (r < MK_BLOCK && row0 + r < rows) {
        float mm = NEG_INF;
        float ss = 0.0f;
        for (int t = 0; t < TILE; t++) {
            const float pm = lm[r * TILE_PAD + t];
            const float ps = ls[r * TILE_PAD + t];
            if (mode >= 2) {
                ss += ps;
            } else {
                ss = mk_merged_sum(mm, ss, pm, ps, scale);
                mm = FMAXF(mm, pm);
            }
        }
        outMax[(long) GROUP_X * rows + row0 + r] = mm;
        outSum[(long) GROUP_X * rows + row0 + r] = ss;
    }
}

/*
 * Merges the chunk partials of mk_fused_partials in chunk order, one work-item per row: (max, sum) online for modes
 * 0 and 1, the plain sum for modes 2 and 3.
 */
KERNEL void mk_fused_merge(GLOBAL const float* partMax, GLOBAL const float* partSum, const int rows,
        const int chunks, const float scale, const int mode, GLOBAL float* rowMax, GLOBAL float* rowSum) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    float mm = NEG_INF;
    float ss = 0.0f;
    for (int ch = 0; ch < chunks; ch++) {
        const float pm = partMax[(long) ch * rows + i];
        const float ps = partSum[(long) ch * rows + i];
        if (mode >= 2) {
            ss += ps;
        } else {
            ss = mk_merged_sum(mm, ss, pm, ps, scale);
            mm = FMAXF(mm, pm);
        }
    }
    rowMax[i] = mm;
    rowSum[i] = ss;
}

/*
 * The fused backward's dL/dc block: for each (row, class) of the work-item's micro-tile, dL/dc_ij from the recomputed
 * class cosine (0 outside the problem), written to dcs[row in block * MK_DC_PITCH + class in block] and, with
 * sub-centers, the nearest sub-center to nr at the same index.
 */
#define MK_DC_PITCH (MK_BLOCK + 1)
#define MK_DC_FLOATS (MK_BLOCK * MK_DC_PITCH)
#if MK_SUBCENTERS > 1
#define MK_NEAREST_INTS MK_DC_FLOATS
#else
#define MK_NEAREST_INTS 1
#endif
DEVICE void mk_grad_block(GLOBAL const float* args, GLOBAL const float* xhat, GLOBAL const float* w,
        GLOBAL const float* winv, GLOBAL const int* labels, GLOBAL const float* fyRows, GLOBAL const float* gmRows,
        GLOBAL const float* shiftRows, GLOBAL const float* gRows, GLOBAL const float* tRows, const int rows,
        const int classEnd, const int dim, const int row0, const int class0, const float scale, const float q,
        LOCAL_PTR float* xs, LOCAL_PTR float* ws, LOCAL_PTR float* dcs, LOCAL_PTR int* nr) {
    float c[MK_MICRO][MK_MICRO];
    int nearest[MK_MICRO][MK_MICRO];
    mk_class_cosine_block(xhat, w, winv, rows, classEnd, dim, row0, class0, xs, ws, c, nearest);
    for (int a = 0; a < MK_MICRO; a++) {
        const int ri = LOCAL_Y + TILE * a;
        const int row = row0 + ri;
        const int y = row < rows ? labels[row] : -1;
        for (int b = 0; b < MK_MICRO; b++) {
            const int cj = LOCAL_X + TILE * b;
            const int cls = class0 + cj;
            dcs[ri * MK_DC_PITCH + cj] = (row < rows && cls < classEnd)
                    ? mk_cosine_grad(c[a][b], cls, y, fyRows[row], gmRows[row], shiftRows[row], gRows[row],
                            tRows[row], scale, q, args) : 0.0f;
            if (MK_SUBCENTERS > 1) {
                nr[ri * MK_DC_PITCH + cj] = nearest[a][b];
            }
        }
    }
}

/*
 * dxhat partials of the fused backward, TILE x TILE groups (x = chunk, y = block of MK_BLOCK rows): for each
 * MK_BLOCK-class block of the chunk, recomputes the cosines, turns them into dL/dc in local memory and adds
 * sum_j dL/dc_ij (w_j / |w_j|) to out[(chunk * rows + row) * dim + k] (w_j / |w_j| formed first: dL/dc / |w_j| alone
 * can fall into the subnormals for a row of norm near 2^126). The product runs in k-blocks of MK_BLOCK, each work-item
 * owning an MK_MICRO x MK_MICRO micro-tile of (rows, k) in registers (read from out, summed over the block's classes
 * in class order, written back; a work-item only ever touches rows LOCAL_Y + TILE a and k = LOCAL_X mod TILE, so no
 * other work-item reads what it writes), the normalized weights staged MK_BLOCK / 2 classes at a time; a sub-center's
 * row receives only the dL/dc of rows it is nearest to.
 */
KERNEL void mk_fused_dx_partials(GLOBAL const float* args, GLOBAL const float* xhat, GLOBAL const float* w,
        GLOBAL const float* winv, GLOBAL const int* labels, GLOBAL const float* fyRows, GLOBAL const float* gmRows,
        GLOBAL const float* shiftRows, GLOBAL const float* gRows, GLOBAL const float* tRows, const int rows,
        const int classes, const int dim, const int chunk, const float scale, const float q, GLOBAL float* out) {
    LOCAL_MEM float stage[2 * MK_STAGE_FLOATS];
    LOCAL_MEM float dcs[MK_DC_FLOATS];
    LOCAL_MEM int nr[MK_NEAREST_INTS];
    const int ty = LOCAL_Y;
    const int tx = LOCAL_X;
    const int t = ty * TILE + tx;
    const int row0 = GROUP_Y * MK_BLOCK;
    const int begin = GROUP_X * chunk;
    const int end = chunk < classes - begin ? begin + chunk : classes;
    GLOBAL float* acc = out + ((long) GROUP_X * rows) * dim;
    for (int class0 = begin; class0 < end; class0 += MK_BLOCK) {
        mk_grad_block(args, xhat, w, winv, labels, fyRows, gmRows, shiftRows, gRows, tRows, rows, end, dim, row0,
                class0, scale, q, stage, stage + MK_STAGE_FLOATS, dcs, nr);
        BARRIER();
        for (int k0 = 0; k0 < dim; k0 += MK_BLOCK) {
            float d[MK_MICRO][MK_MICRO];
            for (int a = 0; a < MK_MICRO; a++) {
                const int row = row0 + ty + TILE * a;
                for (int b = 0; b < MK_MICRO; b++) {
                    const int k = k0 + tx + TILE * b;
                    d[a][b] = class0 > begin && row < rows && k < dim ? acc[(long) row * dim + k] : 0.0f;
                }
            }
            for (int sub = 0; sub < MK_SUBCENTERS; sub++) {
                for (int part = 0; part < MK_BLOCK; part += MK_BLOCK / 2) {
                    /* stage[j * MK_STAGE_PITCH + k] = w_r[k0 + k] / |w_r|, r sub-center sub of class class0 + part + j */
                    for (int e = t; e < MK_BLOCK / 2 * MK_BLOCK; e += TILE * TILE) {
                        const int j = e / MK_BLOCK;
                        const int k = k0 + e % MK_BLOCK;
                        const int cls = class0 + part + j;
                        const long r = (long) cls * MK_SUBCENTERS + sub;
                        stage[j * MK_STAGE_PITCH + e % MK_BLOCK] = cls < end && k < dim ? w[r * dim + k] * winv[r]
                                : 0.0f;
                    }
                    BARRIER();
                    for (int j = 0; j < MK_BLOCK / 2; j++) {
                        float wb[MK_MICRO];
                        for (int b = 0; b < MK_MICRO; b++) {
                            wb[b] = stage[j * MK_STAGE_PITCH + tx + TILE * b];
                        }
                        for (int a = 0; a < MK_MICRO; a++) {
                            const int at = (ty + TILE * a) * MK_DC_PITCH + part + j;
                            /* dL/dc of the class reaches its nearest sub-center's row only */
                            const float g = MK_SUBCENTERS == 1 || nr[at] == sub ? dcs[at] : 0.0f;
                            for (int b = 0; b < MK_MICRO; b++) {
                                d[a][b] = FMAF(g, wb[b], d[a][b]);
                            }
                        }
                    }
                    BARRIER();
                }
            }
            for (int a = 0; a < MK_MICRO; a++) {
                const int row = row0 + ty + TILE * a;
                for (int b = 0; b < MK_MICRO; b++) {
                    const int k = k0 + tx + TILE * b;
                    if (row < rows && k < dim) {
                        acc[(long) row * dim + k] = d[a][b];
                    }
                }
            }
        }
    }
}

/*
 * dL/dx_i from the chunk partials summed in chunk order, through x / |x| (xinv = 1 / |x|), plus normGrad_i xhat_i,
 * the path through the feature norm of a margin that reads it (d|x|/dx = xhat): one work-item per row.
 */
KERNEL void mk_fused_dx_finish(GLOBAL const float* partials, GLOBAL const float* xhat, GLOBAL const float* xinv,
        GLOBAL const float* normGrad, const int rows, const int dim, const int chunks, GLOBAL float* gx) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    float dot = 0.0f;
    for (int k = 0; k < dim; k++) {
        float sum = 0.0f;
        for (int ch = 0; ch < chunks; ch++) {
            sum += partials[((long) ch * rows + i) * dim + k];
        }
        gx[(long) i * dim + k] = sum;
        dot += sum * xhat[(long) i * dim + k];
    }
    const float inv = xinv[i];
    const float along = normGrad[i];
    for (int k = 0; k < dim; k++) {
        const float y = xhat[(long) i * dim + k];
        gx[(long) i * dim + k] = (gx[(long) i * dim + k] - dot * y) * inv + along * y;
    }
}

/*
 * dL/dw_j of the fused backward, TILE x TILE groups (x = block of MK_BLOCK classes): walks every block of MK_BLOCK
 * rows, recomputes the cosines into dL/dc in local memory and adds sum_i dL/dc_ij xhat_i to its own classes' rows of
 * gw (every sub-center row of a class; row i's dL/dc_ij goes to its nearest sub-center of j), in k-blocks of
 * MK_BLOCK with an MK_MICRO x MK_MICRO micro-tile of (classes, k) per work-item in registers and the normalized
 * features staged MK_BLOCK / 2 rows at a time; then the normalization backward with a fixed-order reduction. A
 * work-item only ever touches classes LOCAL_Y + TILE a and k = LOCAL_X mod TILE, so no other work-item reads what it
 * writes.
 */
KERNEL void mk_fused_dw(GLOBAL const float* args, GLOBAL const float* xhat, GLOBAL const float* w,
        GLOBAL const float* winv, GLOBAL const int* labels, GLOBAL const float* fyRows, GLOBAL const float* gmRows,
        GLOBAL const float* shiftRows, GLOBAL const float* gRows, GLOBAL const float* tRows, const int rows,
        const int classes, const int dim, const float scale, const float q, GLOBAL float* gw) {
    LOCAL_MEM float stage[2 * MK_STAGE_FLOATS];
    LOCAL_MEM float dcs[MK_DC_FLOATS];
    LOCAL_MEM int nr[MK_NEAREST_INTS];
    const int ty = LOCAL_Y;
    const int tx = LOCAL_X;
    const int t = ty * TILE + tx;
    const int class0 = GROUP_X * MK_BLOCK;
    for (int row0 = 0; row0 < rows; row0 += MK_BLOCK) {
        mk_grad_block(args, xhat, w, winv, labels, fyRows, gmRows, shiftRows, gRows, tRows, rows, classes, dim,
                row0, class0, scale, q, stage, stage + MK_STAGE_FLOATS, dcs, nr);
        BARRIER();
        for (int sub = 0; sub < MK_SUBCENTERS; sub++) {
            for (int k0 = 0; k0 < dim; k0 += MK_BLOCK) {
                float d[MK_MICRO][MK_MICRO];
                for (int a = 0; a < MK_MICRO; a++) {
                    const int cls = class0 + ty + TILE * a;
                    for (int b = 0; b < MK_MICRO; b++) {
                        const int k = k0 + tx + TILE * b;
                        d[a][b] = row0 > 0 && cls < classes && k < dim
                                ? gw[((long) cls * MK_SUBCENTERS + sub) * dim + k] : 0.0f;
                    }
                }
                for (int part = 0; part < MK_BLOCK; part += MK_BLOCK / 2) {
                    /* stage[i * MK_STAGE_PITCH + k] = xhat[row0 + part + i][k0 + k] */
                    for (int e = t; e < MK_BLOCK / 2 * MK_BLOCK; e += TILE * TILE) {
                        const int i = e / MK_BLOCK;
                        const int k = k0 + e % MK_BLOCK;
                        const int row = row0 + part + i;
                        stage[i * MK_STAGE_PITCH + e % MK_BLOCK] = row < rows && k < dim
                                ? xhat[(long) row * dim + k] : 0.0f;
                    }
                    BARRIER();
                    for (int i = 0; i < MK_BLOCK / 2; i++) {
                        float xb[MK_MICRO];
                        for (int b = 0; b < MK_MICRO; b++) {
                            xb[b] = stage[i * MK_STAGE_PITCH + tx + TILE * b];
                        }
                        for (int a = 0; a < MK_MICRO; a++) {
                            const int at = (part + i) * MK_DC_PITCH + ty + TILE * a;
                            /* 0 from the rows whose nearest sub-center of this class is another */
                            const float g = MK_SUBCENTERS == 1 || nr[at] == sub ? dcs[at] : 0.0f;
                            for (int b = 0; b < MK_MICRO; b++) {
                                d[a][b] = FMAF(g, xb[b], d[a][b]);
                            }
                        }
                    }
                    BARRIER();
                }
                for (int a = 0; a < MK_MICRO; a++) {
                    const int cls = class0 + ty + TILE * a;
                    for (int b = 0; b < MK_MICRO; b++) {
                        const int k = k0 + tx + TILE * b;
                        if (cls < classes && k < dim) {
                            gw[((long) cls * MK_SUBCENTERS + sub) * dim + k] = d[a][b];
                        }
                    }
                }
            }
        }
    }
    /*
     * normalization backward per sub-center row r: dw = (g - (g . w^) w^) / |w| with g the accumulated dL/dw^ and
     * w^ = w * (1 / |w|); each work-item's partial dot over its own k, the TILE partials of a row summed in order
     */
    for (int sub = 0; sub < MK_SUBCENTERS; sub++) {
        float dots[MK_MICRO];
        for (int a = 0; a < MK_MICRO; a++) {
            const int cls = class0 + ty + TILE * a;
            const long r = (long) cls * MK_SUBCENTERS + sub;
            float dot = 0.0f;
            for (int k = tx; cls < classes && k < dim; k += TILE) {
                dot += gw[r * dim + k] * (w[r * dim + k] * winv[r]);
            }
            dots[a] = dot;
        }
        BARRIER();
        for (int a = 0; a < MK_MICRO; a++) {
            dcs[(ty + TILE * a) * TILE_PAD + tx] = dots[a];
        }
        BARRIER();
        for (int a = 0; a < MK_MICRO; a++) {
            const int cls = class0 + ty + TILE * a;
            if (cls >= classes) {
                continue;
            }
            const long r = (long) cls * MK_SUBCENTERS + sub;
            float total = 0.0f;
            for (int p = 0; p < TILE; p++) {
                total += dcs[(ty + TILE * a) * TILE_PAD + p];
            }
            const float inv = winv[r];
            for (int k = tx; k < dim; k += TILE) {
                gw[r * dim + k] = (gw[r * dim + k] - total * (w[r * dim + k] * inv)) * inv;
            }
        }
    }
}

/* out_e = 0 for e in [0, n): one work-item per element (a resident gradient and momentum buffer start at zero). */
KERNEL void mk_zero(GLOBAL float* out, const int n) {
    const int e = GLOBAL_X;
    if (e < n) {
        out[e] = 0.0f;
    }
}

/*
 * One step of SGD with momentum and weight decay on resident weights (torch.optim.SGD, dampening 0, not Nesterov):
 * d = dw + decay w, v = momentum v + d, w = w - rate v. Written with FMAF so a host can repeat it bit for bit; v
 * starts at zero, so the first step's v is d, as torch's. One work-item per element.
 */
KERNEL void mk_sgd_momentum(GLOBAL float* w, GLOBAL const float* dw, GLOBAL float* v, const int n,
        const float rate, const float momentum, const float decay) {
    const int e = GLOBAL_X;
    if (e >= n) {
        return;
    }
    const float d = FMAF(decay, w[e], dw[e]);
    const float ve = FMAF(momentum, v[e], d);
    v[e] = ve;
    w[e] = FMAF(-rate, ve, w[e]);
}

/*
 * out[0] = the lowest row r >= from whose norm is not strictly inside (lo, hi) (NaN included), rows if none: the
 * rows the host must decide exactly (lo, hi are the accepted norm range narrowed by the slack of a float norm). One
 * work-group of MK_SCAN_GROUP work-items, each scanning a stride, then a fixed-order tree of minima.
 */
#define MK_SCAN_GROUP 256
KERNEL void mk_first_suspect_row(GLOBAL const float* norms, const int from, const int rows, const float lo,
        const float hi, GLOBAL int* out) {
    LOCAL_MEM int best[MK_SCAN_GROUP];
    const int t = LOCAL_X;
    int first = rows;
    for (int r = from + t; r < rows; r += MK_SCAN_GROUP) {
        const float n = norms[r];
        if (!(n > lo && n < hi)) {
            first = r;
            break;
        }
    }
    best[t] = first;
    BARRIER();
    for (int span = MK_SCAN_GROUP / 2; span > 0; span /= 2) {
        if (t < span && best[t + span] < best[t]) {
            best[t] = best[t + span];
        }
        BARRIER();
    }
    if (t == 0) {
        out[0] = best[0];
    }
}

/*
 * out row (i K + sub) = weight row (y_i K + sub) for each sub-center sub < K (zeros on ignored rows, y_i < 0): the
 * target rows a stateful loss's batch statistics read, so that only they cross the bus. One work-item per row.
 */
KERNEL void mk_gather_target_rows(GLOBAL const float* w, GLOBAL const int* labels, const int rows, const int dim,
        GLOBAL float* out) {
    const int i = GLOBAL_X;
    if (i >= rows) {
        return;
    }
    const int y = labels[i];
    for (int sub = 0; sub < MK_SUBCENTERS; sub++) {
        for (int k = 0; k < dim; k++) {
            out[((long) i * MK_SUBCENTERS + sub) * dim + k] = y < 0 ? 0.0f
                    : w[((long) y * MK_SUBCENTERS + sub) * dim + k];
        }
    }
}
