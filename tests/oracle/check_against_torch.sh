#!/usr/bin/env bash
# Compares the reference backend with an independent PyTorch float64 autograd implementation of every catalogue loss.
# Needs Debian's python3-torch (apt-get install python3-torch) and a build of the kernels module (scripts/test.sh or
# mvn -pl kernels install). Not part of CI (torch is a large install); run it after changing a loss.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/java25.sh
out=$(mktemp -d)
java -cp kernels/target/classes:kernels/target/test-classes tests/oracle/OracleDump.java "$out"
/usr/bin/python3 tests/oracle/check_against_torch.py "$out"
rm -rf "$out"
