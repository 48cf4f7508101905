#!/usr/bin/env bash
# PyTorch CPU (autograd, Debian's python3-torch on OpenBLAS) against our backend on the same ArcFace step
# (m = 0.5, s = 64), with the same thread count on both sides, then one markdown table from both result files.
#
# Needs: benchmarks/target/benchmarks.jar (mvn -o -q -pl benchmarks -am package -DskipTests), JDK 25, and
#   apt-get install -y python3-torch libopenblas0-pthread python3-threadpoolctl
# Usage (from anywhere): benchmarks/compare_torch.sh
#   THREADS=2 BACKEND=cpu SHAPES="256x512x10000 256x512x100000 512x128x10575" JMH_ARGS="-wi 1 -i 3 -f 1"
set -euo pipefail

cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
BACKEND=${BACKEND:-cpu}
SHAPES=${SHAPES:-"256x512x10000 256x512x100000 512x128x10575"}
JMH_ARGS=${JMH_ARGS:-"-wi 1 -i 3 -f 1"}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
JAR=benchmarks/target/benchmarks.jar
OUT=${OUT:-benchmarks/target/compare}

if [[ ! -f "$JAR" ]]; then
    echo "missing $JAR: build it with mvn -o -q -pl benchmarks -am package -DskipTests" >&2
    exit 1
fi
# the pthread OpenBLAS, whatever update-alternatives points libblas.so.3 at
BLAS_DIR=$(dirname "$(dpkg -L libopenblas0-pthread | grep '/libblas\.so\.3$')")
mkdir -p "$OUT"

echo "== PyTorch: $THREADS threads, BLAS from $BLAS_DIR"
# /usr/bin/python3: Debian's torch lives there, not in a pyenv python that may come first on PATH.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this command alone: some machines pin them for old OpenBLAS
# builds, and a pinned core type runs a slower kernel than OpenBLAS 0.3.21 picks itself (torch_compare.py prints it).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS LD_LIBRARY_PATH="$BLAS_DIR" \
    /usr/bin/python3 benchmarks/torch_compare.py --threads "$THREADS" --shapes $SHAPES \
    --json "$OUT/torch.json" --check-jar "$JAR" --check-backend "$BACKEND" --java "$JAVA"

echo "== margin-kernels backend '$BACKEND': $THREADS threads (JMH $JMH_ARGS)"
# shape values are joined with commas: JMH's -p separates values with them
# shellcheck disable=SC2086
"$JAVA" -jar "$JAR" MarginLossBenchmark -p backend="$BACKEND" -p threads="$THREADS" \
    -p shape="$(echo $SHAPES | tr ' ' ',')" $JMH_ARGS -rf json -rff "$OUT/ours.json"
# shellcheck disable=SC2086
"$JAVA" -jar "$JAR" FmaPeakBenchmark -wi 1 -i 2 -f 1 -rf json -rff "$OUT/fma.json"

echo "== report"
"$JAVA" -cp "$JAR" org.marginkernels.benchmarks.Report "$OUT/fma.json" "$OUT/ours.json" "$OUT/torch.json" \
    | tee "$OUT/report.md"
