#!/usr/bin/env bash
# Runs every test of every module: the kernels' properties, the cpu backend twice (Vector API and scalar), the
# OpenCL backend on whatever OpenCL platform exists (PoCL in CI), the cross-backend suite twice, and the trainer's
# short training runs. GPU-only tests skip by assumption where no device exists. Then the README's Quickstart runs
# on the module path and on the class path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java25.sh
java -version 2>&1 | head -1
mvn -B -ntp install "$@"
bash scripts/check-module-path.sh
