#!/usr/bin/env bash
# Compiles the README's Quickstart block as written and runs it twice: as a named module on the module path (the
# library's module descriptors resolve it, the cpu module pulls in jdk.incubator.vector itself) and on the class path
# with the flags the README gives. Needs the built jars (mvn install); scripts/test.sh runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
jars="kernels/target/margin-kernels-$version.jar:cpu-simd/target/margin-kernels-cpu-$version.jar:gpu/target/margin-kernels-gpu-$version.jar"
for jar in ${jars//:/ }; do
    [ -f "$jar" ] || { echo "missing $jar: run mvn install first" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/app/quickstart" "$work/mods/app" "$work/cp"
# the java block after the snippet marker, verbatim
awk '/<!-- snippet: Quickstart.java -->/ {found = 1; next} found && /^```java/ {copy = 1; next}
     copy && /^```/ {exit} copy {print}' README.md > "$work/src/app/quickstart/Quickstart.java"
[ -s "$work/src/app/quickstart/Quickstart.java" ] || { echo "README.md has no Quickstart.java snippet" >&2; exit 1; }
printf 'module app {\n    requires org.marginkernels;\n}\n' > "$work/src/app/module-info.java"

echo "== module path"
javac -d "$work/mods/app" -p "$jars" "$work/src/app/module-info.java" "$work/src/app/quickstart/Quickstart.java"
module_out=$(java --enable-native-access=org.marginkernels.gpu -p "$work/mods/app:$jars" -m app/quickstart.Quickstart \
    2>&1) || { echo "$module_out" >&2; exit 1; }
echo "$module_out"
echo "== class path"
javac -d "$work/cp" -cp "$jars" "$work/src/app/quickstart/Quickstart.java"
class_out=$(java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$work/cp:$jars" \
    quickstart.Quickstart 2>&1) || { echo "$class_out" >&2; exit 1; }
echo "$class_out"
for out in "$module_out" "$class_out"; do
    echo "$out" | grep -Eq '^(cpu|opencl|cuda|reference): loss [0-9]+\.[0-9]{4}$' \
        || { echo "the snippet did not print a loss" >&2; exit 1; }
done
# the module path must find the Vector API backend without --add-modules: the cpu module requires it
echo "$module_out" | grep -q '^cpu: loss\|^opencl: loss\|^cuda: loss' \
    || { echo "module path: no fast backend resolved" >&2; exit 1; }
echo "module path and class path: ok"
