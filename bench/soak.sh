#!/usr/bin/env bash
# A longer concurrency soak than the suite's: the stress test with more
# processes and invocations (defaults: 32 x 1000).
#   FLECHE_BIN=build/fleche bash bench/soak.sh [WORKERS] [RUNS]
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
FLECHE_BIN=$(realpath "${FLECHE_BIN:-build/fleche}") STRESS_WORKERS=${1:-32} STRESS_RUNS=${2:-1000} \
    bash "$here/../tests/cli/test_stress.sh"
