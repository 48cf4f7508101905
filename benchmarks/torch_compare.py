#!/usr/bin/env python3
"""PyTorch CPU baseline for the ArcFace step that MarginLossBenchmark times.

The loss is written the way a PyTorch user writes it (autograd, float32): F.normalize the features and the class
weights, F.linear for the cosines, the ArcFace margin on the target cosine with the clamp and the threshold fallback
of Margins.arcFace (cos(theta + m) while c > cos(pi - m), else c - m sin(pi - m)), scale s, F.cross_entropy with
mean reduction, then backward to the raw features and weights. FLOPs are counted as in the Java report: 6 B C D for
forward+backward (three GEMMs), 2 B C D for forward.

Runs with Debian's torch (python3-torch) under /usr/bin/python3. Pin the BLAS and thread count from outside, as
compare_torch.sh does:
    OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \
    /usr/bin/python3 benchmarks/torch_compare.py --threads 2 --shapes 256x512x100000 --json torch.json

--check-jar JAR also checks, on a small random problem, that torch and our Java backend give the same loss and
gradients (through org.marginkernels.benchmarks.LossOnFiles).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

MARGIN = 0.5
SCALE = 64.0
COSINE_EPSILON = 1e-7


def arcface_loss(x, w, y, m=MARGIN, s=SCALE):
    """Mean ArcFace cross-entropy of raw features x (B x D) and raw class weights w (C x D)."""
    cos = F.linear(F.normalize(x, dim=1), F.normalize(w, dim=1))
    cy = cos.gather(1, y[:, None]).squeeze(1)
    c = cy.clamp(-1 + COSINE_EPSILON, 1 - COSINE_EPSILON)
    phi = c * math.cos(m) - torch.sqrt(1 - c * c) * math.sin(m)
    fy = torch.where(c > math.cos(math.pi - m), phi, cy - m * math.sin(math.pi - m))
    logits = cos.scatter(1, y[:, None], fy[:, None]) * s
    return F.cross_entropy(logits, y)


def problem(batch, dim, classes, seed, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    x = (torch.rand(batch, dim, generator=g, dtype=dtype) * 2 - 1)
    w = (torch.rand(classes, dim, generator=g, dtype=dtype) * 2 - 1)
    y = torch.randint(0, classes, (batch,), generator=g)
    return x, w, y


def step(x, w, y):
    x.grad = None
    w.grad = None
    loss = arcface_loss(x, w, y)
    loss.backward()
    return loss


def forward_only(x, w, y):
    with torch.no_grad():
        return arcface_loss(x, w, y)


def time_ms(fn, warmup, iterations):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return samples


def jmh_entry(method, shape, threads, samples):
    """One result in JMH's -rf json layout, so that Report reads torch and JMH results alike."""
    mean = statistics.fmean(samples)
    error = statistics.stdev(samples) if len(samples) > 1 else "NaN"
    return {
        "benchmark": "torch.TorchLoss." + method,
        "mode": "avgt",
        "threads": threads,
        "params": {"shape": shape},
        "primaryMetric": {"score": mean, "scoreError": error, "scoreUnit": "ms/op",
                          "rawData": [samples]},
        "secondaryMetrics": {},
    }


def check_against_java(jar, java, backend):
    """Writes a small problem to files, runs LossOnFiles on it and compares loss and gradients with torch."""
    batch, dim, classes = 8, 64, 300
    x, w, y = problem(batch, dim, classes, seed=3)
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "shape.txt"), "w") as f:
            f.write(f"{batch} {dim} {classes}\n")
        x.numpy().astype("<f4").tofile(os.path.join(d, "features.f32"))
        w.numpy().astype("<f4").tofile(os.path.join(d, "weights.f32"))
        y.numpy().astype("<i4").tofile(os.path.join(d, "labels.i32"))
        subprocess.run([java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                        "-cp", jar, "org.marginkernels.benchmarks.LossOnFiles", d, backend], check=True)
        with open(os.path.join(d, "loss.txt")) as f:
            java_loss = float(f.read().split()[0])  # "loss scale counted-rows"
        java_dx = np.fromfile(os.path.join(d, "featureGrad.f32"), dtype="<f4").reshape(batch, dim)
        java_dw = np.fromfile(os.path.join(d, "weightGrad.f32"), dtype="<f4").reshape(classes, dim)
    # torch in float64 so that the comparison measures our float error, not torch's
    x64 = x.double().requires_grad_()
    w64 = w.double().requires_grad_()
    loss = step(x64, w64, y)
    dx_err = np.abs(java_dx - x64.grad.numpy()).max() / np.abs(x64.grad.numpy()).max()
    dw_err = np.abs(java_dw - w64.grad.numpy()).max() / np.abs(w64.grad.numpy()).max()
    loss_err = abs(java_loss - loss.item())
    print(f"check ({backend} vs torch float64, BxDxC = {batch}x{dim}x{classes}): loss {java_loss:.6f} vs "
          f"{loss.item():.6f} (|diff| {loss_err:.2e}); max |grad diff| / max |grad|: dX {dx_err:.2e}, dW {dw_err:.2e}")
    # float32 backend against float64 torch: same bounds as NaiveEjmlMarginLossTest
    ok = loss_err <= 1e-3 + 1e-5 * abs(loss.item()) and dx_err <= 2e-3 and dw_err <= 2e-3
    if not ok:
        print("check FAILED: torch and our backend disagree", file=sys.stderr)
    return ok


def loaded_blas():
    """The BLAS shared libraries this process mapped (Linux), to show that LD_LIBRARY_PATH pinned the one we want."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f if "blas" in line and "/" in line})
    except OSError:
        return ["unknown"]


def blas_kernel():
    """Which OpenBLAS kernel (core type) the loaded library runs, from threadpoolctl: a pinned OPENBLAS_CORETYPE or
    an old OpenBLAS that does not know the processor falls back to a slower generic kernel."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (python3-threadpoolctl not installed)"
    found = [f"{i.get('internal_api')} {i.get('version')} kernel {i.get('architecture')}, "
             f"{i.get('num_threads')} threads ({i.get('filepath')})"
             for i in threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(found) or "no BLAS found by threadpoolctl"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", nargs="+", default=["256x512x10000", "256x512x100000", "512x128x10575"],
                        help="problem sizes BxDxC")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--json", help="write results in JMH's JSON layout to this file")
    parser.add_argument("--check-jar", help="benchmarks.jar: check torch against our backend on a small problem")
    parser.add_argument("--check-backend", default="reference")
    parser.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"LD_LIBRARY_PATH={os.environ.get('LD_LIBRARY_PATH')}")
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    print("BLAS loaded: " + ", ".join(loaded_blas()))
    print(f"BLAS kernel: {blas_kernel()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')}")
    ok = True
    if args.check_jar:
        ok = check_against_java(args.check_jar, args.java, args.check_backend)

    entries = []
    print("| torch | BxDxC | ms/op (mean of %d) | GFLOP/s |" % args.iterations)
    print("| --- | --- | ---: | ---: |")
    for shape in args.shapes:
        batch, dim, classes = (int(v) for v in shape.replace("_", "").replace("x", ",").split(","))
        x, w, y = problem(batch, dim, classes, seed=1)
        x.requires_grad_()
        w.requires_grad_()
        both = time_ms(lambda: step(x, w, y), args.warmup, args.iterations)
        fwd = time_ms(lambda: forward_only(x, w, y), args.warmup, args.iterations)
        canonical = f"{batch}x{dim}x{classes}"
        entries.append(jmh_entry("forwardBackward", canonical, args.threads, both))
        entries.append(jmh_entry("forward", canonical, args.threads, fwd))
        flops = 2.0 * batch * classes * dim
        print(f"| fwd+bwd | {canonical} | {statistics.fmean(both):.1f} | "
              f"{3 * flops / statistics.fmean(both) / 1e6:.1f} |")
        print(f"| fwd | {canonical} | {statistics.fmean(fwd):.1f} | {flops / statistics.fmean(fwd) / 1e6:.1f} |")
        del x, w, y
    if args.json:
        with open(args.json, "w") as f:
            json.dump(entries, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
