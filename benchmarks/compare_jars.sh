#!/usr/bin/env bash
# Alternating separate-JVM comparison of two benchmark jars (say, main before and after a change): for each pair,
# one JMH run of the base jar, then one of the new jar, on the same shape with 2 threads; then the medians, their
# ratio and the median of the per-pair ratios, and the same for each run's fastest iteration (on a shared VM the load
# only ever adds time, so the fastest iterations compare the code more than the neighbours). Build each jar in a worktree of its commit with
#   mvn -o -q -pl benchmarks -am package -DskipTests
# Usage: benchmarks/compare_jars.sh BASE_JAR NEW_JAR PAIRS "BENCHMARK_REGEX" SHAPE
#   e.g. benchmarks/compare_jars.sh base.jar new.jar 8 "MarginLossBenchmark.forwardBackward" 256x512x100000
set -euo pipefail
source "$(dirname "$0")/../scripts/java25.sh" >/dev/null
base=$1; new=$2; pairs=$3; bench=$4; shape=$5
out=$(mktemp -d)
for p in $(seq 1 "$pairs"); do
    for side in base new; do
        jar=$base; [ "$side" = new ] && jar=$new
        java -jar "$jar" "$bench" -p shape="$shape" -p threads=2 -wi 2 -i 4 -f 1 -rf json -rff "$out/$side-$p.json" \
            >/dev/null 2>&1
        python3 -c "import json; m=json.load(open('$out/$side-$p.json'))[0]['primaryMetric']; print('$side', $p, round(m['score'], 2), round(min(x for it in m['rawData'] for x in it), 2))"
    done
done | tee "$out/summary.txt"
python3 - "$out/summary.txt" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
for col, what in ((2, 'scores'), (3, 'fastest iterations')):
    b = {int(r[1]): float(r[col]) for r in rows if r[0] == 'base'}
    n = {int(r[1]): float(r[col]) for r in rows if r[0] == 'new'}
    ratios = [n[p] / b[p] for p in b if p in n]
    print('%s: base median %.2f new median %.2f ratio of medians %.4f median of pair ratios %.4f'
          % (what, st.median(b.values()), st.median(n.values()), st.median(n.values()) / st.median(b.values()),
             st.median(ratios)))
PY
