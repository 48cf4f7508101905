#!/usr/bin/env bash
# Trains a small CNN with DJL's Trainer and margin-kernels' fused ArcFace head (djl/.../examples/ArcFaceCnnExample)
# on a synthetic image set; prints the loss and held-out accuracy per epoch (about a minute on 2 cores).
# libtorch comes from Maven Central (ai.djl.pytorch:pytorch-native-cpu, resolved by Maven like any dependency);
# ai.djl.offline=true stops DJL from downloading anything at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
repo=(${MAVEN_REPO_LOCAL:+-Dmaven.repo.local=$MAVEN_REPO_LOCAL})
echo "building kernels, cpu-simd and djl (mvn -q -DskipTests install) ..."
mvn -B -q -ntp "${repo[@]}" -DskipTests -pl djl -am install dependency:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime-classpath.txt
exec java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true \
    -cp "djl/target/classes:$(cat djl/target/runtime-classpath.txt)" \
    org.marginkernels.djl.examples.ArcFaceCnnExample "$@"
