#!/usr/bin/env bash
# One ArcFace step inside DJL, side by side in one JMH run (djl/src/test/.../ArcFaceStepBenchmark): DJL's own
# ArcFace (NDArray ops + autograd on libtorch 2.7.1), our MarginHead in its two weight-gradient modes (through
# DJL's autograd, and DIRECT), and the fused step alone.
# libtorch and the cpu backend get 2 threads each. Prints a "vs DJL" table (DJL's time / ours), then times the four
# steps again in alternating rounds (PairedStepTiming), the fairer ratio when other jobs share the machine.
# SHAPE (BxDxC, default 256x512x100000) is the shape of both; extra arguments go to JMH, e.g. -wi 1 -i 2; ROUNDS
# sets the paired rounds (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
repo=(${MAVEN_REPO_LOCAL:+-Dmaven.repo.local=$MAVEN_REPO_LOCAL})
mvn -B -q -ntp "${repo[@]}" -DskipTests -pl kernels,cpu-simd install
mvn -B -q -ntp "${repo[@]}" -pl djl test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
cp="djl/target/test-classes:djl/target/classes:$(cat djl/target/test-classpath.txt)"
csv=djl/target/arcface-step.csv
# libtorch's intra-op pool reads OMP_NUM_THREADS too; DJL's property (in the benchmark's @Fork) sets it as well
shape=${SHAPE:-256x512x100000}
OMP_NUM_THREADS=2 java -cp "$cp" org.openjdk.jmh.Main ArcFaceStepBenchmark -p shape="$shape" -rf csv -rff "$csv" "$@"
echo
echo "lscpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs visible; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -F, 'NR > 1 {
        gsub(/"/, ""); name = $1; sub(/.*\./, "", name); score[name] = $5; err[name] = $6; shape = $8; unit = $7
    }
    END {
        printf "%-16s %-18s %12s %10s %8s\n", "shape", "step", unit, "+-", "vs DJL"
        n = split("djlAutograd marginHead marginHeadDirect fusedStepOnly", order, " ")
        for (i = 1; i <= n; i++) {
            k = order[i]
            if (k in score) printf "%-16s %-18s %12.1f %10.1f %7.2fx\n", shape, k, score[k], err[k], score["djlAutograd"] / score[k]
        }
    }' "$csv"
echo
OMP_NUM_THREADS=2 java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx6g \
    -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$cp" org.marginkernels.djl.PairedStepTiming "$shape" 2 "${ROUNDS:-7}"
