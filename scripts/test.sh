#!/usr/bin/env bash
# Build fleche (scripts/setup.sh) and run the whole test suite with CTest.
# Exits with CTest's status; CTest prints its own "N tests passed" summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# FLECHE_DEV_MODE: CI builds with more warnings, as errors (cmake/DevMode.cmake).
FLECHE_DEV_MODE=ON ./scripts/setup.sh

echo "test: running ctest"
# --no-tests=error: a build that registers no test at all is a failure, not a silent pass.
status=0
ctest --test-dir build --output-on-failure --no-tests=error -j"$(nproc)" || status=$?
exit "$status"
