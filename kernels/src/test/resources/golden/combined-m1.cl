inline float mk_target(const float c) {
    return (cos(((1.5f * acos(fmin(fmax(c, (-0.9999999f)), 0.9999999f))) + 0.2f)) - 0.1f);
}
inline float mk_target_grad(const float c) {
    const float t0 = fmax(c, (-0.9999999f));
    const float t1 = fmin(t0, 0.9999999f);
    return (-(sin(((1.5f * acos(t1)) + 0.2f)) * (1.5f * (-(((t0 <= 0.9999999f) ? ((c >= (-0.9999999f)) ? 1.0f : 0.0f) : 0.0f) / sqrt(((1.0f - t1) * (1.0f + t1))))))));
}
inline float mk_row_loss(const float lp) {
    return (-lp);
}
inline float mk_row_loss_grad(const float lp) {
    return (-1.0f);
}
