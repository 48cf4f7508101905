#!/usr/bin/env bash
# Class-sharded step benchmark (shard/src/test/.../bench/ShardStepBench.java): with mode=hazelcast and ranks=N it
# starts N JVMs on loopback (rank r at port 5750 + r) and waits for them; otherwise one JVM. Arguments are key=value
# (batch, classes, dim, ranks, steps, rate, threads, mode); HEAP sets each JVM's -Xmx (default 6g).
# Example: scripts/shard-bench.sh mode=hazelcast ranks=2 threads=1 HEAP=3g
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
repo=${MAVEN_REPO_LOCAL:+-Dmaven.repo.local=$MAVEN_REPO_LOCAL}
mvn -B -q -o $repo -pl shard test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/shard/target/bench.cp"
cp="shard/target/classes:shard/target/test-classes:$(cat shard/target/bench.cp)"
heap=6g
ranks=1
mode=threads
args=()
for arg in "$@"; do
    case "$arg" in
        HEAP=*) heap="${arg#HEAP=}" ;;
        ranks=*) ranks="${arg#ranks=}"; args+=("$arg") ;;
        mode=*) mode="${arg#mode=}"; args+=("$arg") ;;
        *) args+=("$arg") ;;
    esac
done
run() {
    java -Xmx"$heap" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$cp" \
        org.marginkernels.shard.bench.ShardStepBench "$@"
}
if [ "$mode" = hazelcast ]; then
    pids=()
    for ((r = 0; r < ranks; r++)); do
        ( run "${args[@]}" rank="$r" 2>&1 | grep -v WARNING | sed -u "s/^/[rank $r] /" ) &
        pids+=($!)
    done
    status=0
    for pid in "${pids[@]}"; do wait "$pid" || status=1; done
    exit "$status"
fi
run "${args[@]}"
