#!/usr/bin/env bash
# GPU acceptance run: cross-backend checks of every catalogue loss on "cuda" (and "opencl" where an ICD exists)
# against the reference, then the fused step at (256, 512, 100_000) and (512, 512, 1_000_000) through the per-call
# API and with device-resident weights (ResidentClassWeights: bus bytes per step, peak device memory), then, where
# nvcc and libcublas exist, the non-fused floor: cuBLAS SGEMM of the same three products plus the element-wise passes
# (cublas/sgemm_floor.cu, built here with nvcc). Needs no Maven: a Java 25 runtime (a jlinked one will do:
#   jlink --add-modules java.base --strip-debug --no-header-files --no-man-pages --output mk-java25
# java.lang.foreign is in java.base) and the two built jars (mvn -o -pl kernels,gpu package, or the jars copied next
# to this script). Budget: under 8 minutes on one GPU (timeout 420 s for the Java part, 60 s for the floor).
#
# usage: gpu/check.sh OUT_DIR [JAVA_HOME_OR_JAVA_BINARY] [--quick]
#   OUT_DIR   receives availability.txt, checks.csv, benchmark.csv, resident.csv, cublas_floor.csv, gpucheck.log
#   JAVA      a JDK/JRE 25 home or java binary; default $JAVA_HOME, then java on PATH
#   --quick   one timed call per shape and no 1M-class shape
# environment:
#   NVRTC     path to libnvrtc.so.N when it is not on the loader path (its directory, which must also hold
#             libnvrtc-builtins, is added to LD_LIBRARY_PATH)
# exit status: 0 all checks passed with CUDA usable, 1 a check failed, 2 CUDA not usable, 124 timed out
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
timeout 420 "$java" --enable-native-access=ALL-UNNAMED -Xmx24g "${props[@]}" \
  -cp "$gpu_jar:$kernels_jar" org.marginkernels.gpu.GpuCheck "$out" $quick 2>&1 | tee -a "$out/gpucheck.log" \
  || status=${PIPESTATUS[0]}

# the non-fused floor: needs nvcc to build the helper and libcublas to link it; skipped with the reason otherwise
floor_log="$out/cublas_floor.csv"
if ! command -v nvcc > /dev/null; then
  echo "cublas floor: skipped, nvcc not on PATH" | tee -a "$out/availability.txt"
elif ! nvcc -O2 -o "$out/sgemm_floor" "$here/cublas/sgemm_floor.cu" -lcublas >> "$out/gpucheck.log" 2>&1; then
  echo "cublas floor: skipped, nvcc could not build or link against libcublas (see gpucheck.log)" \
    | tee -a "$out/availability.txt"
else
  "$out/sgemm_floor" --header > "$floor_log"
  for shape in "256 512 100000" "512 512 1000000"; do
    # shellcheck disable=SC2086
    timeout 60 "$out/sgemm_floor" $shape 5 >> "$floor_log" 2>> "$out/gpucheck.log" \
      || echo "cublas floor $shape: failed (see gpucheck.log)" | tee -a "$out/availability.txt"
  done
  sed 's/^/cublas floor: /' "$floor_log" | tee -a "$out/availability.txt"
fi
exit "$status"
