"""FAISS IndexFlatIP on the data of gallery_vs_faiss.sh, timed like GalleryVsFaiss.java times our GalleryIndex.

run:    gallery_faiss.py run DIR DIM THREADS SINGLES BATCH BATCHES   -> DIR/faiss.json, DIR/faiss_top10.i64
report: gallery_faiss.py report DIR                                  -> a markdown table of both JSON files

Rows and queries are L2-normalized (faiss.normalize_L2) so inner products are cosines, as in GalleryIndex.
Single queries run twice: with FAISS's default path (for nq < distance_compute_blas_threshold = 20 it scans with
its own SIMD inner products, no BLAS) and with the threshold at 0 (its BLAS path: sgemm of the query against
blocks of rows). Batches always take the BLAS path.
"""
import json
import sys
import time

import numpy as np

BLAS_SINGLES = 5


def progress(message):
    print(f"-- {time.strftime('%H:%M:%S')} {message}", flush=True)


def blas_info():
    from threadpoolctl import threadpool_info
    return [{k: v for k, v in d.items() if k in ("internal_api", "version", "architecture", "num_threads",
                                                  "threading_layer", "filepath")}
            for d in threadpool_info()]


def singles(index, queries, count, k, warmup):
    n = len(queries)
    for j in range(warmup):  # from the other end of the query set
        index.search(queries[n - 1 - j % n:n - j % n], k)
    times, ids = [], []
    for j in range(count):
        t0 = time.perf_counter()
        _, idx = index.search(queries[j:j + 1], k)
        times.append((time.perf_counter() - t0) * 1e3)
        ids.append(idx[0].copy())
    times.sort()
    return times[0], times[count // 2], ids


def run(d, dim, threads, count, batch, batches):
    import faiss
    faiss.omp_set_num_threads(threads)
    xb = np.fromfile(f"{d}/gallery.f32", dtype="<f4").reshape(-1, dim)
    xq = np.fromfile(f"{d}/queries.f32", dtype="<f4").reshape(-1, dim)
    xb = np.ascontiguousarray(xb)  # fromfile gives a writable copy; normalize_L2 works in place
    faiss.normalize_L2(xb)
    faiss.normalize_L2(xq)
    index = faiss.IndexFlatIP(dim)
    t0 = time.perf_counter()
    index.add(xb)
    out = {"faiss": faiss.__version__, "dim": dim, "singles": count, "threads": threads, "rows": index.ntotal,
           "add_s": time.perf_counter() - t0, "blas": blas_info()}
    del xb
    k = 10
    default_threshold = faiss.cvar.distance_compute_blas_threshold
    out["blas_threshold_default"] = default_threshold
    progress(f"single queries, default path: {count} after {count} warm-up")
    best, median, ids = singles(index, xq, count, k, count)
    out.update(single_default_best_ms=best, single_default_median_ms=median)
    # a single query through sgemm is one 1 x 1024 x dim call per block of 1024 rows: on a busy machine each call's
    # thread hand-off makes it seconds per query at 1M rows, so fewer queries are timed on this path
    blas_count = min(count, BLAS_SINGLES)
    progress(f"single queries, BLAS path: {blas_count} after 1 warm-up")
    faiss.cvar.distance_compute_blas_threshold = 0
    best, median, blas_ids = singles(index, xq, blas_count, k, 1)
    out.update(single_blas_best_ms=best, single_blas_median_ms=median, blas_singles=blas_count)
    faiss.cvar.distance_compute_blas_threshold = default_threshold
    out["single_paths_same_top10"] = (f"{sum(np.array_equal(a, b) for a, b in zip(ids, blas_ids))}"
                                      f"/{blas_count}")
    progress(f"batches of {batch}: best of {batches} after a 48-query warm-up")
    index.search(xq[:48], k)
    best = float("inf")
    for _ in range(batches):
        t0 = time.perf_counter()
        _, idx = index.search(xq[:batch], k)
        best = min(best, time.perf_counter() - t0)
    out.update(batch=batch, batch_best_s=best, batch_qps=batch / best)
    idx.astype("<i8").tofile(f"{d}/faiss_top10.i64")
    np.array(ids, dtype="<i8").tofile(f"{d}/faiss_single_top10.i64")
    with open(f"{d}/faiss.json", "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


def report(d):
    ours = json.load(open(f"{d}/ours.json"))
    fa = json.load(open(f"{d}/faiss.json"))
    a = np.fromfile(f"{d}/ours_top10.i64", dtype="<i8").reshape(-1, 10)
    b = np.fromfile(f"{d}/faiss_top10.i64", dtype="<i8").reshape(-1, 10)
    same_sets = sum(set(x) == set(y) for x, y in zip(a, b))
    same_lists = sum(np.array_equal(x, y) for x, y in zip(a, b))
    faiss_single = min(fa["single_default_best_ms"], fa["single_blas_best_ms"])
    faiss_single_med = min(fa["single_default_median_ms"], fa["single_blas_median_ms"])
    rows = int(ours["rows"])
    print(f"{rows} x {fa['dim']} gallery, {int(ours['threads'])} threads on both sides; ours: "
          f"{ours['searcher']}, {ours['species']}; FAISS {fa['faiss']}, BLAS "
          + ", ".join(f"{x.get('internal_api')} {x.get('version')} {x.get('architecture')} "
                      f"({x.get('threading_layer')}, {x.get('num_threads')} threads)" for x in fa["blas"]))
    print()
    print("| measure | FAISS default (nq=1: no BLAS) | FAISS BLAS path | ours | ours vs FAISS's best |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| single query, best (ms; of {fa['singles']}, FAISS BLAS of {fa['blas_singles']}) | "
          f"{fa['single_default_best_ms']:.1f} | {fa['single_blas_best_ms']:.1f} | {ours['single_best_ms']:.1f} | "
          f"{faiss_single / ours['single_best_ms']:.2f}x faster |")
    print(f"| single query, median (ms) | {fa['single_default_median_ms']:.1f} | {fa['single_blas_median_ms']:.1f} | "
          f"{ours['single_median_ms']:.1f} | {faiss_single_med / ours['single_median_ms']:.2f}x faster |")
    print(f"| {int(ours['batch'])}-query batch (queries/s) | - | {fa['batch_qps']:.1f} | {ours['batch_qps']:.1f} | "
          f"{ours['batch_qps'] / fa['batch_qps']:.2f}x |")
    print(f"| half-size single query, best (ms) | - | - | {ours['half_single_best_ms']:.1f} | "
          f"{ours['single_best_ms'] / ours['half_single_best_ms']:.2f}x faster than our full size |")
    print(f"| half-size single query, median (ms) | - | - | {ours['half_single_median_ms']:.1f} | "
          f"{ours['single_median_ms'] / ours['half_single_median_ms']:.2f}x faster than our full size |")
    print()
    print(f"Top 10 of the {len(a)}-query batch: same ids as FAISS for {same_sets}/{len(a)} queries, same order for "
          f"{same_lists}/{len(a)}. Half-size top 10 identical to full size (ids in order) for "
          f"{ours['half_top10_identical']} single queries. FAISS default vs BLAS single-query top 10: "
          f"{fa['single_paths_same_top10']}. Enrol (ours, incl. check and normalize): {ours['enrol_s']:.1f} s; "
          f"FAISS add: {fa['add_s']:.1f} s; save {ours['save_s']:.1f} s; open (mmap) {ours['open_ms']:.1f} ms, "
          f"first query after open {ours['opened_first_query_ms']:.0f} ms.")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], *map(int, sys.argv[3:8]))
    else:
        report(sys.argv[2])
