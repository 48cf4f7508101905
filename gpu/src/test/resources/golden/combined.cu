__device__ __forceinline__ float mk_target(const float c) {
    return (cosf((acosf(fminf(fmaxf(c, (-0.9999999f)), 0.9999999f)) + 0.3f)) - 0.2f);
}

__device__ __forceinline__ float mk_target_grad(const float c) {
    const float t0 = fmaxf(c, (-0.9999999f));
    const float t1 = fminf(t0, 0.9999999f);
    return (-(sinf((acosf(t1) + 0.3f)) * (-(((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f) / sqrtf(((1.0f - t1) * (1.0f + t1)))))));
}

__device__ __forceinline__ float mk_negative(const float c, const float fy) {
    return c;
}

__device__ __forceinline__ float mk_negative_grad(const float c, const float fy) {
    return 1.0f;
}

__device__ __forceinline__ float mk_negative_target_grad(const float c, const float fy) {
    return 0.0f;
}

