__device__ __forceinline__ float mk_target(const float c) {
    const float t0 = fminf(fmaxf(c, (-0.9999999f)), 0.9999999f);
    const float t1 = (2.0f * t0);
    const float t2 = ((t1 * t0) - 1.0f);
    const float t3 = ((t1 * ((t1 * t2) - t0)) - t2);
    const float t4 = (-t3);
    return ((t0 > 0.70710677f) ? t3 : ((t0 > 6.123234E-17f) ? (t4 - 2.0f) : ((t0 > (-0.70710677f)) ? (t3 - 4.0f) : (t4 - 6.0f))));
}

__device__ __forceinline__ float mk_target_grad(const float c) {
    const float t0 = fmaxf(c, (-0.9999999f));
    const float t1 = fminf(t0, 0.9999999f);
    const float t2 = ((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f);
    const float t3 = (2.0f * t2);
    const float t4 = (2.0f * t1);
    const float t5 = ((t4 * t1) - 1.0f);
    const float t6 = ((t3 * t1) + (t4 * t2));
    const float t7 = (((t3 * ((t4 * t5) - t1)) + (t4 * (((t3 * t5) + (t4 * t6)) - t2))) - t6);
    const float t8 = (-t7);
    return ((t1 > 0.70710677f) ? t7 : ((t1 > 6.123234E-17f) ? t8 : ((t1 > (-0.70710677f)) ? t7 : t8)));
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

