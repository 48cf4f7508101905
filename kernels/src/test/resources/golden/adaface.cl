inline float mk_negative(const float c, const float fy, GLOBAL const float* args) {
    return fmin(fmax(c, (-0.999f)), 0.999f);
}

inline float mk_negative_grad(const float c, const float fy, GLOBAL const float* args) {
    return ((fmax(c, (-0.999f)) <= 0.999f) ? ((c >= (-0.999f)) ? 1.0f : 0.0f) : 0.0f);
}

inline float mk_negative_target_grad(const float c, const float fy, GLOBAL const float* args) {
    return 0.0f;
}

