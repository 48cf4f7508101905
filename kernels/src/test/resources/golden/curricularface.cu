__device__ __forceinline__ float mk_negative(const float c, const float fy, GLOBAL const float* args) {
    const float t0 = fminf(fmaxf((fy + args[0]), (-0.9999999f)), 0.9999999f);
    return ((c > ((fy < (-1.0f)) ? ((t0 * args[1]) - (sqrtf(((1.0f - t0) * (1.0f + t0))) * args[2])) : fy)) ? (c * (args[3] + c)) : c);
}

__device__ __forceinline__ float mk_negative_grad(const float c, const float fy, GLOBAL const float* args) {
    const float t0 = fminf(fmaxf((fy + args[0]), (-0.9999999f)), 0.9999999f);
    return ((c > ((fy < (-1.0f)) ? ((t0 * args[1]) - (sqrtf(((1.0f - t0) * (1.0f + t0))) * args[2])) : fy)) ? ((args[3] + c) + c) : 1.0f);
}

__device__ __forceinline__ float mk_negative_target_grad(const float c, const float fy, GLOBAL const float* args) {
    return 0.0f;
}

