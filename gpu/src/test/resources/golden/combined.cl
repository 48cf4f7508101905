inline float mk_target(const float c) {
    return (cos((acos(fmin(fmax(c, (-0.9999999f)), 0.9999999f)) + 0.3f)) - 0.2f);
}

inline float mk_target_grad(const float c) {
    const float t0 = fmax(c, (-0.9999999f));
    const float t1 = fmin(t0, 0.9999999f);
    return (-(sin((acos(t1) + 0.3f)) * (-(((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f) / sqrt(((1.0f - t1) * (1.0f + t1)))))));
}

inline float mk_negative(const float c, const float fy) {
    return c;
}

inline float mk_negative_grad(const float c, const float fy) {
    return 1.0f;
}

inline float mk_negative_target_grad(const float c, const float fy) {
    return 0.0f;
}

