# An independent float64 autograd implementation of every catalogue loss, written from the issue text (not from the
# kernel spec), compared with the reference backend on the problems OracleDump.java writes. Usage: see check_against_torch.sh.
import math, os, sys
import numpy as np
import torch
torch.set_default_dtype(torch.float64)
EPS = 1e-7

def clamp(c):
    return c.clamp(-1 + EPS, 1 - EPS)

def arcface(m):
    def f(c):
        cc = clamp(c)
        return torch.where(cc > math.cos(math.pi - m), torch.cos(torch.acos(cc) + m), c - m * math.sin(math.pi - m))
    return f

def arcface_easy(m):
    def f(c):
        cc = clamp(c)
        return torch.where(cc > 0, torch.cos(torch.acos(cc) + m), c)
    return f

def straight(base):
    def f(c):
        return c + (base(c) - c).detach()
    return f

def cosface(m):
    return lambda c: c - m

def combined(m1, m2, m3):
    return lambda c: torch.cos(m1 * torch.acos(clamp(c)) + m2) - m3

def sphereface(m, lam=0.0):
    def f(c):
        th = torch.acos(clamp(c))
        k = torch.floor(m * th / math.pi).detach()
        psi = (-1.0) ** k * torch.cos(m * th) - 2 * k
        return (lam * c + psi) / (1 + lam)
    return f

def sv(t):
    return lambda c, fy: torch.where(c > fy, t * c + t - 1, c)

def mv(t):
    return lambda c, fy: torch.where(c > fy, (t + 1) * c + t, c)

def curricular(m):
    # HuangYG123/CurricularFace head/metrics.py: hard negatives are those above cos(theta_y + m) (no fallback);
    # t = 0.01 mean(c_y) + 0.99 t is updated (no grad) before use, from t = 0 at the first step
    def g(c, cy, keep, st):
        with torch.no_grad():
            cy = cy.clamp(-1, 1)
            t = 0.01 * cy[keep].mean() + 0.99 * st.get('t', 0.0) if keep.any() else st.get('t', 0.0)
            st['t'] = t
            cos_theta_m = cy * math.cos(m) - torch.sqrt(1 - cy ** 2) * math.sin(m)
        return torch.where(c > cos_theta_m[:, None], c * (t + c), c)
    return g

def magface(la=10.0, ua=110.0, lm=0.45, um=0.8, lam=20.0):
    # IrvingMeng/MagFace models/magface.py: MagLinear (easy margin) and MagLoss; nothing detached
    def f(c, norms, mi):
        a = norms.clamp(la, ua)
        m = (um - lm) / (ua - la) * (a - la) + lm
        cc = clamp(c)
        return torch.where(cc > 0, torch.cos(torch.acos(cc) + m), c)
    def reg(norms):
        a = norms.clamp(la, ua)
        return lam * (a / ua ** 2 + 1 / a)
    return dict(fn=f, reg=reg)

def adaface(m=0.4, h=0.333, alpha=0.01, eps=1e-3):
    # mk-minchul/AdaFace head.py: all cosines clamped to 1 -+ eps; norms clipped and detached; batch mean and
    # (unbiased) std updated before use from 20 and 100; a single row leaves the std (NaN in the code) unchanged
    def f(c, norms, mi, keep, st):
        with torch.no_grad():
            sn = norms.clip(0.001, 100)
            k = sn[keep]
            mean0, std0 = st.get('mean', 20.0), st.get('std', 100.0)
            mean = alpha * k.mean() + (1 - alpha) * mean0 if k.numel() > 0 else mean0
            std = alpha * k.std() + (1 - alpha) * std0 if k.numel() > 1 else std0
            st['mean'], st['std'] = mean, std
            scaler = ((sn - mean) / (std + eps) * h).clip(-1, 1)
        theta = torch.acos(c.clamp(-1 + eps, 1 - eps))
        theta_m = (theta - m * scaler).clip(eps, math.pi - eps)
        return torch.cos(theta_m) - (m + m * scaler)
    return dict(fk=f, g=lambda c, fy: c.clamp(-1 + eps, 1 - eps))

def elastic_arc(m):
    # fdbtrs/ElasticFace utils/losses.py ElasticArcFace: cos(acos(c) + m_i), no fallback; m_i given per row
    return dict(fn=lambda c, norms, mi: torch.cos(torch.acos(clamp(c)) + mi))

def elastic_cos(m):
    return dict(fn=lambda c, norms, mi: c - mi)

NONE = lambda c: c
L = {
 'none': dict(f=NONE), 'arcface': dict(f=arcface(0.5)), 'arcface-easy': dict(f=arcface_easy(0.5)),
 'arcface-straight-through': dict(f=straight(arcface(0.5))), 'cosface': dict(f=cosface(0.35)),
 'combined': dict(f=combined(1.0, 0.3, 0.2)), 'combined-m1': dict(f=combined(1.5, 0.2, 0.1)),
 'sphereface': dict(f=sphereface(4)), 'sphereface-lambda': dict(f=sphereface(3, 5.0)),
 'adacos-fixed': dict(f=NONE, scale='adacos-fixed'), 'adacos-dynamic': dict(f=NONE, scale='adacos', prev=None),
 'adacos-dynamic-step2': dict(f=NONE, scale='adacos', prev=9.5),
 'sv-softmax': dict(f=arcface(0.5), g=sv(1.2)), 'mv-softmax': dict(f=cosface(0.35), g=mv(0.2)),
 'curricularface': dict(f=arcface(0.5), gc=curricular(0.5)),
 'combined-insightface': dict(f=combined(0.9, 0.4, 0.15)),
 'magface': magface(), 'adaface': adaface(),
 'elasticface-arc': elastic_arc(0.5), 'elasticface-arc-plus': elastic_arc(0.5), 'elasticface-cos': elastic_cos(0.35),
 'focal': dict(f=arcface(0.5), gamma=2.0), 'focal-half': dict(f=cosface(0.35), gamma=0.5),
 'arcface-sum': dict(f=arcface(0.5), reduction='sum'),
 'arcface-label-smoothing': dict(f=arcface(0.5), ls=0.1),
 'mv-softmax-label-smoothing': dict(f=cosface(0.35), g=mv(0.2), ls=0.2),
 # Deng et al., ECCV 2020; deepinsight/insightface recognition/subcenter_arcface/train_parall.py: fc7 of the
 # normalized rows reshaped to (B, C, K) and max over K, then the margin on the pooled cosine
 'subcenter-arcface': dict(f=arcface(0.5), K=3),
}

def loss_fn(spec, x, w, y, mi, st):
    xn = x / x.norm(dim=1, keepdim=True)
    wn = w / w.norm(dim=1, keepdim=True)
    c = xn @ wn.T
    if 'K' in spec:
        c = c.reshape(c.shape[0], -1, spec['K']).max(dim=2).values
    keep = y >= 0
    yk = y.clamp(min=0)
    B, C = c.shape
    onehot = torch.zeros_like(c, dtype=torch.bool)
    onehot[torch.arange(B), yk] = True
    cy = c[torch.arange(B), yk]
    norms = x.norm(dim=1)
    if 'fn' in spec:
        fy = spec['fn'](cy, norms, mi)
    elif 'fk' in spec:
        fy = spec['fk'](cy, norms, mi, keep, st)
    else:
        fy = spec['f'](cy)
    neg = spec['g'](c, fy[:, None].expand_as(c)) if 'g' in spec else c
    if 'gc' in spec:
        neg = spec['gc'](c, cy, keep, st)
    f = torch.where(onehot, fy[:, None].expand_as(c), neg)
    sc = spec.get('scale', 64.0)
    if sc == 'adacos-fixed':
        s = math.sqrt(2) * math.log(C - 1)
    elif sc == 'adacos':
        sp = st.get('sp', spec['prev'] if spec['prev'] is not None else math.sqrt(2) * math.log(C - 1))
        with torch.no_grad():
            cd = c[keep]
            oh = onehot[keep]
            bavg = torch.where(oh, torch.zeros_like(cd), torch.exp(sp * cd)).sum() / cd.shape[0]
            th = torch.acos(clamp(cd[oh]))
            med = torch.median(th)  # lower median, as torch defines it
            s = (torch.log(bavg) / torch.cos(torch.clamp(med, max=math.pi / 4))).item()
        st['sp'] = s
    else:
        s = sc
    z = s * f
    lp = torch.log_softmax(z, dim=1)[torch.arange(B), yk]
    gamma = spec.get('gamma', 0.0)
    row = -lp if gamma == 0 else -(1 - torch.exp(lp)) ** gamma * lp
    if 'ls' in spec:
        # torch's own label smoothing over all C margined logits (the target's included)
        row = torch.nn.functional.cross_entropy(z, yk, label_smoothing=spec['ls'], reduction='none')
    if 'reg' in spec:
        row = row + spec['reg'](norms)
    row = row[keep]
    n = int(keep.sum())
    if n == 0:
        return z.sum() * 0, s
    return (row.sum() if spec.get('reduction') == 'sum' else row.sum() / n), s

def rd(p, dt):
    return np.fromfile(p, dtype=dt)

# Wing loss (Feng et al., CVPR 2018, eq. 5), reduced as the Caffe layer of xialuxi/arcface-caffe
# (landmark_and_pose/wing_loss_layer.cu): the sum over every coordinate divided by the batch size num; the layer's
# backward uses sign(x) with sign(0) = 0, which torch.abs's gradient at 0 matches
def wing(w, eps):
    C = w - w * math.log(1 + w / eps)
    def f(x, y):
        ax = x.abs()
        return torch.where(ax < w, w * torch.log(1 + ax / eps), ax - C)
    return f

# Adaptive Wing loss (Wang et al., ICCV 2019, eq. 8), the paper's formula: the official repository
# (protossw512/AdaptiveWingLoss) publishes no loss code, and the widely copied version's |x| / omega in the first
# branch is a known slip (its issue #14); the exponent alpha - y is a constant of the backward pass
def adaptive_wing(omega, theta, eps, alpha):
    def f(x, y):
        ax = x.abs()
        e = alpha - y
        r = theta / eps
        A = omega * (1 / (1 + r ** e)) * e * r ** (e - 1) / eps
        C = theta * A - omega * torch.log(1 + r ** e)
        # the first branch only where it is taken: (|x| / eps)^e of a large |x| would put inf * 0 into autograd
        small = torch.where(ax < theta, ax, torch.zeros_like(ax))
        return torch.where(ax < theta, omega * torch.log(1 + (small / eps) ** e), A * ax - C)
    return f

R = {
 'wing': dict(f=wing(10.0, 2.0)), 'wing-narrow': dict(f=wing(0.5, 0.05), reduction='sum'),
 'adaptive-wing': dict(f=adaptive_wing(14.0, 0.5, 1.0, 2.1)),
}

def check_regressions(root):
    fails = 0
    worst = {}
    for d in sorted(os.listdir(root)):
        if not d.startswith('regression-'):
            continue
        name = d[len('regression-'):].rsplit('-', 1)[0]
        meta = open(os.path.join(root, d, 'meta.txt')).read().split()
        n, dim, jl = int(meta[0]), int(meta[1]), float(meta[2])
        p = torch.tensor(rd(os.path.join(root, d, 'p.f32'), '<f4').astype(np.float64), requires_grad=True)
        t = torch.tensor(rd(os.path.join(root, d, 't.f32'), '<f4').astype(np.float64))
        spec = R[name]
        terms = spec['f'](p - t, t)
        l = terms.sum() if spec.get('reduction') == 'sum' else terms.sum() / n
        l.backward()
        g = rd(os.path.join(root, d, 'g.f32'), '<f4')
        el = abs(l.item() - jl) / max(1.0, abs(l.item()))
        gmax = max(p.grad.abs().max().item(), 1e-3)
        eg = np.abs(p.grad.numpy() - g).max() / gmax
        worst[name] = tuple(max(a, b) for a, b in zip(worst.get(name, (0, 0)), (el, eg)))
        if el > 1e-12 or eg > 1e-6:
            fails += 1
            print('MISMATCH', d, 'loss', l.item(), jl, 'grad rel', eg)
    for k, v in worst.items():
        print(f'{k:28s} loss rel {v[0]:.1e}  grad rel(max) {v[1]:.1e}')
    return fails

worst = {}
root = sys.argv[1]
fails = check_regressions(root)
states = {}
for d in sorted(os.listdir(root)):
    if d.startswith('regression-'):
        continue
    # name-seed@step: a stateful loss runs steps 1, 2, 3 on one state, which starts empty at step 1
    base, _, step = d.partition('@')
    name = base.rsplit('-', 1)[0]
    if step == '1':
        states[base] = {}
    st = states[base]
    meta = open(os.path.join(root, d, 'meta.txt')).read().split()
    B, D, C = map(int, meta[:3]); jl, js = float(meta[3]), float(meta[4])
    x = torch.tensor(rd(os.path.join(root, d, 'x.f32'), '<f4').astype(np.float64).reshape(B, D), requires_grad=True)
    w = torch.tensor(rd(os.path.join(root, d, 'w.f32'), '<f4').astype(np.float64).reshape(C, D), requires_grad=True)
    y = torch.tensor(rd(os.path.join(root, d, 'y.i32'), '<i4').astype(np.int64))
    mi_file = os.path.join(root, d, 'mi.f64')
    mi = torch.zeros(B, dtype=torch.float64)
    if os.path.exists(mi_file):
        mi[(y >= 0).numpy()] = torch.tensor(rd(mi_file, '<f8'))
    l, s = loss_fn(L[name], x, w, y, mi, st)
    l.backward()
    gx = rd(os.path.join(root, d, 'gx.f32'), '<f4').reshape(B, D)
    gw = rd(os.path.join(root, d, 'gw.f32'), '<f4').reshape(C, D)
    # errors relative to max(1, |L|) and to max(1e-3, largest gradient): a loss of 1e-20 carries torch's own
    # log_softmax rounding of ~1e-16 absolute, which is no disagreement
    el = abs(l.item() - jl) / max(1.0, abs(l.item()))
    es = abs(s - js) / s
    gmax = max(x.grad.abs().max().item(), w.grad.abs().max().item(), 1e-3)
    eg = max(np.abs(x.grad.numpy() - gx).max(), np.abs(w.grad.numpy() - gw).max()) / gmax
    worst[name] = tuple(max(a, b) for a, b in zip(worst.get(name, (0, 0, 0)), (el, es, eg)))
    if el > 1e-12 or es > 1e-12 or eg > 1e-6:
        fails += 1
        print('MISMATCH', d, 'loss', l.item(), jl, 'scale', s, js, 'grad rel', eg)
for k, v in worst.items():
    print(f'{k:28s} loss rel {v[0]:.1e}  scale rel {v[1]:.1e}  grad rel(max) {v[2]:.1e}')
print('mismatches:', fails)
sys.exit(1 if fails else 0)
