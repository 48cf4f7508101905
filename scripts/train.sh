#!/usr/bin/env bash
# The main job: builds margin-kernels with Java 25 (tests skipped; scripts/test.sh runs them) and trains the example
# embedding model with its defaults (ArcFace m=0.5, s=64, best available backend, 5000 synthetic identities). Extra
# arguments go to the trainer; try --help. Plots go to examples/target/plots unless --plots names another folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
jar=examples/target/margin-kernels-examples.jar
if [ ! -f "$jar" ] || [ -n "$(find testing kernels cpu-simd gpu shard examples -name '*.java' -newer "$jar" -print -quit)" ]; then
    echo "building margin-kernels and the example (mvn -q -DskipTests -pl examples -am install) ..."
    mvn -B -q -ntp -DskipTests -pl examples -am install
fi
# --shards N (N > 1): N processes on this machine, rank r owning an even share of the class weights, joined by
# Hazelcast on 127.0.0.1 (--shard-port, rank r at port + r); each prints its lines prefixed with its rank, and the
# script fails if any process fails (a dead process makes the others fail within --shard-timeout seconds)
shards=1
prev=
for arg in "$@"; do
    case "$arg" in
        --shards=*) shards="${arg#--shards=}" ;;
    esac
    if [ "$prev" = "--shards" ]; then shards="$arg"; fi
    prev="$arg"
done
if [ "$shards" -gt 1 ] 2>/dev/null; then
    pids=()
    for ((r = 0; r < shards; r++)); do
        ( set -o pipefail
          java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
              -jar "$jar" "$@" --rank "$r" 2>&1 | sed -u "s/^/[rank $r] /" ) &
        pids+=($!)
    done
    status=0
    for pid in "${pids[@]}"; do
        wait "$pid" || status=1
    done
    exit "$status"
fi
plots=(--plots examples/target/plots)
for arg in "$@"; do
    case "$arg" in --plots|--plots=*|--help|-h|--list-backends|--version|-V) plots=() ;; esac
done
# libjsig: signal chaining, in case an OpenCL driver (PoCL, LLVM) is loaded with --backend opencl
LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
    -jar "$jar" "${plots[@]}" "$@"
