package org.marginkernels;

import static org.marginkernels.spec.Exprs.COSINE;
import static org.marginkernels.spec.Exprs.ONE;
import static org.marginkernels.spec.Exprs.ZERO;
import static org.marginkernels.spec.Exprs.acos;
import static org.marginkernels.spec.Exprs.add;
import static org.marginkernels.spec.Exprs.clamp;
import static org.marginkernels.spec.Exprs.constant;
import static org.marginkernels.spec.Exprs.cos;
import static org.marginkernels.spec.Exprs.div;
import static org.marginkernels.spec.Exprs.gt;
import static org.marginkernels.spec.Exprs.mul;
import static org.marginkernels.spec.Exprs.param;
import static org.marginkernels.spec.Exprs.select;
import static org.marginkernels.spec.Exprs.sin;
import static org.marginkernels.spec.Exprs.sqrt;
import static org.marginkernels.spec.Exprs.sub;

import java.util.LinkedHashMap;
import java.util.Map;
import org.marginkernels.spec.Expr;

/**
 * The margin catalogue. Every margin reads the cosine c = x^ . w^_y of a row and its own class and returns f(c);
 * the loss then uses s * f(c) as the target logit. Wherever a formula needs acos(c) or sqrt(1 - c^2), c is first
 * clamped to [-1 + eps, 1 - eps] with eps = {@link #COSINE_EPSILON} so that neither the value nor the derivative can
 * be NaN or infinite (derivatives are zero outside the clamp, as torch.clamp's are), and 1 - c^2 is computed as
 * (1 - c)(1 + c), which is accurate in float near c = +-1 where 1 - c*c loses every digit.
 *
 * <p>Branch thresholds that a cosine is compared with are rounded to float once, here, so a float backend and the
 * double reference take the same branch for the same float cosine (the clamp bounds need no rounding, see
 * {@link #COSINE_EPSILON}).
 */
public final class Margins {

    /**
     * Distance of the cosine clamp from +-1: 1e-7, the value common in PyTorch margin implementations. No float lies
     * strictly between 1 - 1e-7 and its float rounding 1 - 2^-23 (nor at -1), so a float backend (which compares with
     * the rounded bound) and the double reference clamp every float cosine identically; 1/sqrt(1 - c^2) stays below
     * 2300.
     */
    public static final double COSINE_EPSILON = 1e-7;

    private Margins() {
    }

    /**
     * No margin, f(c) = c: the normalized softmax of NormFace (Wang et al., "NormFace", ACM MM 2017, eq. 4).
     */
    public static Margin none() {
        return new Margin("none", COSINE, Map.of());
    }

    /**
     * ArcFace (Deng et al., "ArcFace: Additive Angular Margin Loss", CVPR 2019, eq. 3), as the Caffe CosinAddm layer
     * and insightface compute it: f(c) = cos(theta + m) = c cos m - sin(theta) sin m while c > cos(pi - m), and the
     * monotonic fallback f(c) = c - m sin(pi - m) below that threshold, where theta + m would pass pi.
     *
     * @param m the additive angular margin in radians, in [0, pi/2]
     * @throws IllegalArgumentException if m is outside [0, pi/2]
     */
    public static Margin arcFace(double m) {
        check("m", m, 0, Math.PI / 2);
        Expr mm = param("m", m);
        Expr c = clampedCosine();
        Expr threshold = floatExact(Math.cos(Math.PI - m));
        Expr fallback = sub(COSINE, mul(mm, sin(sub(constant(Math.PI), mm))));
        return new Margin("arcface(m=" + m + ")", select(gt(c, threshold), cosThetaPlus(c, mm), fallback),
                Map.of("m", m)).withBranchThreshold(Math.cos(Math.PI - m));
    }

    /**
     * ArcFace with the "easy margin" of insightface: f(c) = cos(theta + m) if c > 0, else c.
     *
     * @param m the additive angular margin in radians, in [0, pi/2] (so theta + m stays in [0, pi] where c > 0)
     * @throws IllegalArgumentException if m is outside [0, pi/2]
     */
    public static Margin arcFaceEasy(double m) {
        check("m", m, 0, Math.PI / 2);
        Expr mm = param("m", m);
        Expr c = clampedCosine();
        return new Margin("arcface-easy(m=" + m + ")", select(gt(c, ZERO), cosThetaPlus(c, mm), COSINE),
                Map.of("m", m));
    }

    /**
     * CosFace / AM-Softmax (Wang et al., "CosFace", CVPR 2018, eq. 4; Wang et al., "Additive Margin Softmax",
     * IEEE SPL 2018): f(c) = c - m.
     *
     * @param m the additive cosine margin, in [0, 1]
     * @throws IllegalArgumentException if m is outside [0, 1]
     */
    public static Margin cosFace(double m) {
        check("m", m, 0, 1);
        return new Margin("cosface(m=" + m + ")", sub(COSINE, param("m", m)), Map.of("m", m));
    }

    /**
     * The combined margin of insightface (Deng et al., ArcFace, CVPR 2019, eq. 4): f(c) = cos(m1 theta + m2) - m3,
     * with no threshold fallback (insightface semantics). combined(1, m, 0) is ArcFace without the fallback and
     * combined(1, 0, m) is CosFace.
     *
     * @param m1 the multiplicative angular margin, in (0, 4]: below 1 as in insightface's published (0.9, 0.4, 0.15)
     * @param m2 the additive angular margin in radians, in [0, pi/2]
     * @param m3 the additive cosine margin, in [0, 1]
     * @throws IllegalArgumentException if a parameter is outside its range
     */
    public static Margin combined(double m1, double m2, double m3) {
        check("m1", m1, Double.MIN_VALUE, 4);
        check("m2", m2, 0, Math.PI / 2);
        check("m3", m3, 0, 1);
        Expr theta = acos(clampedCosine());
        Expr f = sub(cos(add(mul(param("m1", m1), theta), param("m2", m2))), param("m3", m3));
        Map<String, Double> params = new LinkedHashMap<>();
        params.put("m1", m1);
        params.put("m2", m2);
        params.put("m3", m3);
        Margin margin = new Margin("combined(m1=" + m1 + ", m2=" + m2 + ", m3=" + m3 + ")", f, params);
        // m1 theta + m2 passes pi for theta above (pi - m2) / m1, if that angle exists
        double turn = (Math.PI - m2) / m1;
        return turn < Math.PI ? margin.withBranchThreshold(Math.cos(turn)) : margin;
    }

    /**
     * SphereFace / A-Softmax on normalized features (Liu et al., "SphereFace", CVPR 2017, eq. 7):
     * psi(theta) = (-1)^k cos(m theta) - 2k for theta in [k pi/m, (k+1) pi/m], k = floor(m theta / pi).
     * cos(m theta) is written as the Chebyshev polynomial T_m(c) and k is found by comparing c with cos(k pi / m),
     * as the original Caffe margin_inner_product layer does, so no acos is needed and the derivative is exact.
     *
     * @param m the integer angular multiplier, in [1, 8]
     * @throws IllegalArgumentException if m is outside [1, 8]
     */
    public static Margin sphereFace(int m) {
        return sphereFace(m, 0);
    }

    /**
     * SphereFace with the annealing weight lambda of the original training recipe:
     * f(c) = (lambda c + psi(theta)) / (1 + lambda); lambda = 0 is plain psi.
     *
     * @param m the integer angular multiplier, in [1, 8]
     * @param lambda the annealing weight, lambda &gt;= 0 and finite
     * @throws IllegalArgumentException if m or lambda is outside its range
     */
    public static Margin sphereFace(int m, double lambda) {
        check("m", m, 1, 8);
        check("lambda", lambda, 0, 1e6);
        Expr c = clampedCosine();
        Expr chebyshev = chebyshev(m, c);
        // from the last interval [(m-1) pi/m, pi] backwards: theta < (k+1) pi/m  <=>  c > cos((k+1) pi/m)
        Expr psi = piece(m - 1, chebyshev);
        for (int k = m - 2; k >= 0; k--) {
            psi = select(gt(c, floatExact(Math.cos((k + 1) * Math.PI / m))), piece(k, chebyshev), psi);
        }
        Expr f = lambda == 0 ? psi
                : div(add(mul(param("lambda", lambda), COSINE), psi), add(ONE, param("lambda", lambda)));
        Map<String, Double> params = new LinkedHashMap<>();
        params.put("m", (double) m);
        params.put("lambda", lambda);
        String name = "sphereface(m=" + m + (lambda == 0 ? "" : ", lambda=" + lambda) + ")";
        return new Margin(name, f, params);
    }

    private static Expr piece(int k, Expr cosMTheta) {
        Expr signed = k % 2 == 0 ? cosMTheta : mul(constant(-1), cosMTheta);
        return k == 0 ? signed : sub(signed, constant(2.0 * k));
    }

    // T_0 = 1, T_1 = c, T_{n+1} = 2 c T_n - T_{n-1}; T_n(cos theta) = cos(n theta)
    private static Expr chebyshev(int n, Expr c) {
        Expr previous = ONE;
        Expr current = c;
        for (int i = 1; i < n; i++) {
            Expr next = sub(mul(mul(constant(2), c), current), previous);
            previous = current;
            current = next;
        }
        return current;
    }

    /** clamp(c, -1 + eps, 1 - eps): the guard before every acos and sqrt(1 - c^2). */
    static Expr clampedCosine() {
        return clampedCosine(COSINE);
    }

    /** {@code c} clamped to [-1 + eps, 1 - eps], eps = {@link #COSINE_EPSILON}. */
    static Expr clampedCosine(Expr c) {
        return clamp(c, constant(-1 + COSINE_EPSILON), constant(1 - COSINE_EPSILON));
    }

    /** cos(theta + m) = c cos m - sin(theta) sin m, with c already clamped. */
    static Expr cosThetaPlus(Expr c, Expr m) {
        return sub(mul(c, cos(m)), mul(sinOfAcos(c), sin(m)));
    }

    /** sin(acos(c)) = sqrt((1 - c)(1 + c)); 1 - c is exact in float for c in [0.5, 1] (Sterbenz), 1 - c*c is not. */
    static Expr sinOfAcos(Expr c) {
        return sqrt(mul(sub(ONE, c), add(ONE, c)));
    }

    /** A constant rounded to float, for thresholds that float and double backends must compare identically. */
    static Expr floatExact(double value) {
        return constant((float) value);
    }

    static void check(String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "], got " + value);
        }
    }
}
