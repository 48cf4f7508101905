inline float mk_regression(const float x, const float y, GLOBAL const float* args) {
    const float t0 = fabs(x);
    const float t1 = (args[3] - y);
    const float t2 = pow(args[4], t1);
    const float t3 = ((((args[1] / (1.0f + t2)) * t1) * pow(args[4], (t1 - 1.0f))) * args[5]);
    return ((t0 < args[0]) ? (args[1] * log1p(pow((t0 / args[2]), t1))) : ((t3 * t0) - ((args[0] * t3) - (args[1] * log1p(t2)))));
}

inline float mk_regression_grad(const float x, const float y, GLOBAL const float* args) {
    const float t0 = fabs(x);
    const float t1 = (args[3] - y);
    const float t2 = (t0 / args[2]);
    const float t3 = (t1 - 1.0f);
    const float t4 = ((x > 0.0f) ? 1.0f : ((x < 0.0f) ? (-1.0f) : 0.0f));
    return ((t0 < args[0]) ? (args[1] * (((t1 * pow(t2, t3)) * ((t4 * args[2]) / args[6])) / (1.0f + pow(t2, t1)))) : (((((args[1] / (1.0f + pow(args[4], t1))) * t1) * pow(args[4], t3)) * args[5]) * t4));
}

