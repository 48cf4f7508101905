__device__ __forceinline__ float mk_negative(const float c, const float fy, GLOBAL const float* args) {
    return c;
}

__device__ __forceinline__ float mk_negative_grad(const float c, const float fy, GLOBAL const float* args) {
    return 1.0f;
}

__device__ __forceinline__ float mk_negative_target_grad(const float c, const float fy, GLOBAL const float* args) {
    return 0.0f;
}

