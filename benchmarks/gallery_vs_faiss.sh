#!/usr/bin/env bash
# FAISS IndexFlatIP (Debian python3-faiss) against our GalleryIndex on the same seeded data, same thread count,
# in one script: single-query latency, batch throughput, and our half-size index's single query; then one markdown
# table (benchmarks/README.md, "1:N gallery index"). One side runs at a time, so they never share the CPU.
#
# Needs: benchmarks/target/benchmarks.jar (mvn -o -q -pl benchmarks -am package -DskipTests), JDK 25, and
#   apt-get install -y python3-faiss python3-threadpoolctl libopenblas0-pthread
# Usage (from anywhere): benchmarks/gallery_vs_faiss.sh
#   ROWS=1000000 DIM=512 IDENTITIES=50000 THREADS=2 SINGLES=30 BATCH=1000 BATCHES=2 DIR=benchmarks/target/gallery
set -euo pipefail

cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
DIM=${DIM:-512}
# 20 samples per identity: each query's top 10 are rows of its own identity (see ClusteredGallery)
IDENTITIES=${IDENTITIES:-$((ROWS / 20))}
THREADS=${THREADS:-2}
SINGLES=${SINGLES:-30}
BATCH=${BATCH:-1000}
BATCHES=${BATCHES:-2}
DIR=${DIR:-benchmarks/target/gallery}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
JAR=benchmarks/target/benchmarks.jar
MAIN=org.marginkernels.benchmarks.GalleryVsFaiss
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g)

if [[ ! -f "$JAR" ]]; then
    echo "missing $JAR: build it with mvn -o -q -pl benchmarks -am package -DskipTests" >&2
    exit 1
fi
mkdir -p "$DIR"

echo "== machine"
lscpu | grep -E '^(Model name|CPU family|Model|Thread\(s\) per core|CPU\(s\)):' | tr -s ' '
uptime

echo "== data: $ROWS x $DIM, $IDENTITIES identities, 1000 queries (seeded) -> $DIR"
if [[ ! -f "$DIR/gallery.f32" || $(stat -c %s "$DIR/gallery.f32") -ne $((ROWS * DIM * 4)) ]]; then
    "$JAVA" "${JVM[@]}" -cp "$JAR" "$MAIN" generate "$DIR" "$ROWS" "$DIM" "$IDENTITIES" 1000
fi

echo "== FAISS IndexFlatIP: $THREADS threads"
# the pthread OpenBLAS, whatever update-alternatives points libblas.so.3 at
BLAS_DIR=$(dirname "$(dpkg -L libopenblas0-pthread | grep '/libblas\.so\.3$')")
# /usr/bin/python3: Debian's faiss lives there, not in a pyenv python that may come first on PATH.
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this command alone: a pinned core type runs a slower
# kernel than the one OpenBLAS picks itself (gallery_faiss.py prints the one that ran).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" \
    LD_LIBRARY_PATH="$BLAS_DIR" /usr/bin/python3 benchmarks/gallery_faiss.py run "$DIR" "$DIM" "$THREADS" \
    "$SINGLES" "$BATCH" "$BATCHES"

echo "== ours: GalleryIndex, $THREADS threads"
"$JAVA" "${JVM[@]}" -cp "$JAR" "$MAIN" run "$DIR" "$DIM" "$THREADS" "$SINGLES" "$BATCH" "$BATCHES"

echo "== report"
/usr/bin/python3 benchmarks/gallery_faiss.py report "$DIR" | tee "$DIR/report.md"
