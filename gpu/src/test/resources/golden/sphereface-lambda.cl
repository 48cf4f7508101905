inline float mk_target(const float c) {
    const float t0 = fmin(fmax(c, (-0.9999999f)), 0.9999999f);
    const float t1 = (2.0f * t0);
    const float t2 = ((t1 * ((t1 * t0) - 1.0f)) - t0);
    return (((5.0f * c) + ((t0 > 0.5f) ? t2 : ((t0 > (-0.5f)) ? ((-t2) - 2.0f) : (t2 - 4.0f)))) / 6.0f);
}

inline float mk_target_grad(const float c) {
    const float t0 = fmax(c, (-0.9999999f));
    const float t1 = fmin(t0, 0.9999999f);
    const float t2 = ((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f);
    const float t3 = (2.0f * t2);
    const float t4 = (2.0f * t1);
    const float t5 = (((t3 * ((t4 * t1) - 1.0f)) + (t4 * ((t3 * t1) + (t4 * t2)))) - t2);
    return (((5.0f + ((t1 > 0.5f) ? t5 : ((t1 > (-0.5f)) ? (-t5) : t5))) * 6.0f) / 36.0f);
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

