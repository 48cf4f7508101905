__device__ __forceinline__ float mk_target(const float c) {
    return (cosf(((1.5f * acosf(fminf(fmaxf(c, (-0.9999999f)), 0.9999999f))) + 0.2f)) - 0.1f);
}
__device__ __forceinline__ float mk_target_grad(const float c) {
    const float t0 = fmaxf(c, (-0.9999999f));
    const float t1 = fminf(t0, 0.9999999f);
    return (-(sinf(((1.5f * acosf(t1)) + 0.2f)) * (1.5f * (-(((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f) / sqrtf(((1.0f - t1) * (1.0f + t1))))))));
}
__device__ __forceinline__ float mk_row_loss(const float lp) {
    return (-lp);
}
__device__ __forceinline__ float mk_row_loss_grad(const float lp) {
    return (-1.0f);
}
