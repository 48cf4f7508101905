__device__ __forceinline__ float mk_target(const float c) {
    return (c - 0.35f);
}
__device__ __forceinline__ float mk_target_grad(const float c) {
    return 1.0f;
}
__device__ __forceinline__ float mk_row_loss(const float lp) {
    return (-(powf(fmaxf((-expm1f(lp)), 1.0E-30f), 0.5f) * lp));
}
__device__ __forceinline__ float mk_row_loss_grad(const float lp) {
    const float t0 = (-expm1f(lp));
    const float t1 = fmaxf(t0, 1.0E-30f);
    return (-((((0.5f * powf(t1, (-0.5f))) * ((t0 >= 1.0E-30f) ? (-expf(lp)) : 0.0f)) * lp) + powf(t1, 0.5f)));
}
