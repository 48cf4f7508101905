inline float mk_regression(const float x, const float y, GLOBAL const float* args) {
    const float t0 = fabs(x);
    return ((t0 < args[0]) ? (args[0] * log1p((t0 / args[1]))) : (t0 - args[2]));
}

inline float mk_regression_grad(const float x, const float y, GLOBAL const float* args) {
    const float t0 = fabs(x);
    const float t1 = ((x > 0.0f) ? 1.0f : ((x < 0.0f) ? (-1.0f) : 0.0f));
    return ((t0 < args[0]) ? (args[0] * (((t1 * args[1]) / args[3]) / (1.0f + (t0 / args[1])))) : t1);
}

