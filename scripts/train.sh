#!/usr/bin/env bash
# The main job: builds margin-kernels with Java 25 (tests skipped; scripts/test.sh runs them) and trains the example
# embedding model with its defaults (ArcFace m=0.5, s=64, best available backend, 5000 synthetic identities). Extra
# arguments go to the trainer; try --help. Plots go to examples/target/plots unless --plots names another folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
jar=examples/target/margin-kernels-examples.jar
if [ ! -f "$jar" ] || [ -n "$(find testing kernels cpu-simd gpu examples -name '*.java' -newer "$jar" -print -quit)" ]; then
    echo "building margin-kernels and the example (mvn -q -DskipTests -pl examples -am install) ..."
    mvn -B -q -ntp -DskipTests -pl examples -am install
fi
plots=(--plots examples/target/plots)
for arg in "$@"; do
    case "$arg" in --plots|--plots=*|--help|-h|--list-backends|--version|-V) plots=() ;; esac
done
# libjsig: signal chaining, in case an OpenCL driver (PoCL, LLVM) is loaded with --backend opencl
LD_PRELOAD="$JAVA_HOME/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true \
    -jar "$jar" "${plots[@]}" "$@"
