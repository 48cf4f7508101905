inline float mk_target(const float c) {
    return (c - 0.35f);
}
inline float mk_target_grad(const float c) {
    return 1.0f;
}
inline float mk_row_loss(const float lp) {
    return (-(pow(fmax((-expm1(lp)), 1.0E-30f), 0.5f) * lp));
}
inline float mk_row_loss_grad(const float lp) {
    const float t0 = (-expm1(lp));
    const float t1 = fmax(t0, 1.0E-30f);
    return (-((((0.5f * pow(t1, (-0.5f))) * ((t0 >= 1.0E-30f) ? (-exp(lp)) : 0.0f)) * lp) + pow(t1, 0.5f)));
}
