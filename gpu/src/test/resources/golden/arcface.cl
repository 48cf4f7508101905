inline float mk_target(const float c) {
    const float t0 = fmin(fmax(c, (-0.9999999f)), 0.9999999f);
    return ((t0 > (-0.87758255f)) ? ((t0 * 0.87758255f) - (sqrt(((1.0f - t0) * (1.0f + t0))) * 0.47942555f)) : (c - 0.23971277f));
}

inline float mk_target_grad(const float c) {
    const float t0 = fmax(c, (-0.9999999f));
    const float t1 = fmin(t0, 0.9999999f);
    const float t2 = ((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f);
    const float t3 = (1.0f + t1);
    const float t4 = (1.0f - t1);
    return ((t1 > (-0.87758255f)) ? ((t2 * 0.87758255f) - (((((-t2) * t3) + (t4 * t2)) / (2.0f * sqrt((t4 * t3)))) * 0.47942555f)) : 1.0f);
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

