__device__ __forceinline__ float mk_negative(const float c, const float fy) {
    return ((c > fy) ? ((1.2f * c) + 0.2f) : c);
}

__device__ __forceinline__ float mk_negative_grad(const float c, const float fy) {
    return ((c > fy) ? 1.2f : 1.0f);
}

__device__ __forceinline__ float mk_negative_target_grad(const float c, const float fy) {
    return 0.0f;
}

