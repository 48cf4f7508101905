/*
 * margin-kernels regression device code: one C99 body for OpenCL C and CUDA C, after the dialect prelude and the
 * loss functions mk_regression l(x, y) and mk_regression_grad dl/dx printed from the loss's spec (x = prediction -
 * target, y = target; the loss's parameters arrive in args). One work-item per coordinate; each group of
 * MK_REGRESSION_GROUP work-items sums its values by a fixed tree, so the partial sums do not depend on scheduling.
 */
#define MK_REGRESSION_GROUP 64

/*
 * partials[group] = sum of l(x_i, y_i) over the group's coordinates i < n; grad[i] = weight dl/dx(x_i, y_i) when
 * withGradient is not 0. Launch: groups of MK_REGRESSION_GROUP work-items in x.
 */
KERNEL void mk_regression_forward(GLOBAL const float* args, GLOBAL const float* predictions,
        GLOBAL const float* targets, const int n, const float weight, const int withGradient, GLOBAL float* grad,
        GLOBAL float* partials) {
    LOCAL_MEM float sums[MK_REGRESSION_GROUP];
    const int i = GLOBAL_X;
    const int lid = LOCAL_X;
    float value = 0.0f;
    if (i < n) {
        const float y = targets[i];
        const float x = predictions[i] - y;
        value = mk_regression(x, y, args);
        if (withGradient != 0) {
            grad[i] = weight * mk_regression_grad(x, y, args);
        }
    }
    sums[lid] = value;
    BARRIER();
    for (int stride = MK_REGRESSION_GROUP / 2; stride > 0; stride >>= 1) {
        if (lid < stride) {
            sums[lid] += sums[lid + stride];
        }
        BARRIER();
    }
    if (lid == 0) {
        partials[GROUP_X] = sums[0];
    }
}
