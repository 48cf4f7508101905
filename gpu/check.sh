#!/usr/bin/env bash
# GPU acceptance run: cross-backend checks of "cuda" (and "opencl" where an ICD exists) against the reference, then
# the fused forward+backward benchmark at (512, 512, 1_000_000) and (256, 512, 100_000). Needs no Maven: only a
# Java 25 runtime and the two built jars (mvn -o -pl kernels,gpu package, or the jars copied next to this script).
#
# usage: gpu/check.sh OUT_DIR [JAVA_HOME_OR_JAVA_BINARY] [--quick]
#   OUT_DIR   receives availability.txt, checks.csv, benchmark.csv and gpucheck.log
#   JAVA      a JDK/JRE 25 home or java binary; default $JAVA_HOME, then java on PATH
#   --quick   one timed call per shape and no 1M-class shape
# environment:
#   NVRTC     path to libnvrtc.so.N when it is not on the loader path (its directory, which must also hold
#             libnvrtc-builtins, is added to LD_LIBRARY_PATH)
# exit status: 0 all checks passed with CUDA usable, 1 a check failed, 2 CUDA not usable, 124 timed out (10 min)
set -euo pipefail

out=${1:?usage: gpu/check.sh OUT_DIR [JAVA_HOME_OR_JAVA_BINARY] [--quick]}
java_arg=${2:-${JAVA_HOME:-}}
quick=${3:-}
if [[ "$java_arg" == --quick ]]; then quick=--quick; java_arg=${JAVA_HOME:-}; fi
here=$(cd "$(dirname "$0")" && pwd)

if [[ -z "$java_arg" ]]; then java=java
elif [[ -x "$java_arg/bin/java" ]]; then java="$java_arg/bin/java"
else java="$java_arg"
fi

find_jar() { # first match of a glob, skipping sources/javadoc/tests jars
  for f in $1; do
    case "$f" in *-sources.jar|*-javadoc.jar|*-tests.jar) continue;; esac
    [[ -f "$f" ]] && { echo "$f"; return 0; }
  done
  return 1
}
gpu_jar=$(find_jar "$here/target/margin-kernels-gpu-*.jar" || find_jar "$here/margin-kernels-gpu-*.jar") \
  || { echo "margin-kernels-gpu jar not found: run mvn -o -pl kernels,gpu package first" >&2; exit 3; }
kernels_jar=$(find_jar "$here/../kernels/target/margin-kernels-0*.jar" || find_jar "$here/margin-kernels-0*.jar" \
  || find_jar "$HOME/.m2/repository/org/marginkernels/margin-kernels/*/margin-kernels-*.jar") \
  || { echo "margin-kernels jar not found: run mvn -o -pl kernels package first" >&2; exit 3; }

props=()
if [[ -n "${NVRTC:-}" ]]; then
  props+=("-Dmarginkernels.nvrtc=$NVRTC")
  export LD_LIBRARY_PATH="$(dirname "$NVRTC")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

mkdir -p "$out"
"$java" -version 2>&1 | head -1 | tee "$out/gpucheck.log"
status=0
timeout 600 "$java" --enable-native-access=ALL-UNNAMED -Xmx24g "${props[@]}" \
  -cp "$gpu_jar:$kernels_jar" org.marginkernels.gpu.GpuCheck "$out" $quick 2>&1 | tee -a "$out/gpucheck.log" \
  || status=${PIPESTATUS[0]}
exit "$status"
