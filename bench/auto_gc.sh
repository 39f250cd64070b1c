#!/usr/bin/env bash
# What automatic gc adds to a run that stores an entry: N storing runs into a
# store of E entries with no limit set, with a limit the runs stay under (each
# run adds to gc.usage and compares), and with a limit every run crosses
# (each run starts a detached gc; the gc itself runs off the run's clock).
#   FLECHE_BIN=build/fleche bash bench/auto_gc.sh [N] [E]
set -euo pipefail
bin=$(realpath "${FLECHE_BIN:-build/fleche}")
n=${1:-100}
e=${2:-2000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export FLECHE_DIR=$dir/store
unset FLECHE_MAX_SIZE FLECHE_MAX_AGE

for i in $(seq 1 "$e"); do "$bin" run -- printf 'fill %s\n' "$i" >/dev/null; done
"$bin" gc >/dev/null # measures the store: gc.usage

# mean_us LABEL: mean wall time of n storing runs, each with a new key.
mean_us() {
    local start end i
    start=$(date +%s%N)
    for i in $(seq 1 "$n"); do
        "$bin" run -- printf '%s %s\n' "$1" "$i" >/dev/null
    done
    end=$(date +%s%N)
    echo "$(((end - start) / n / 1000)) us"
}

echo "store of $e entries, $n storing runs each"
echo "no limit set:                         $(mean_us plain)"
echo "FLECHE_MAX_SIZE=100G, never crossed:  $(FLECHE_MAX_SIZE=100G mean_us under)"
# Over the limit: every run starts a gc that evicts what the previous runs stored.
echo "FLECHE_MAX_SIZE=10K, crossed by each: $(FLECHE_MAX_SIZE=10K mean_us over)"
# Wait for the last detached gc before the store is removed.
flock "$FLECHE_DIR/gc.stamp" true
echo "entries left after the gcs: $(sqlite3 "$FLECHE_DIR/index.sqlite" 'SELECT count(*) FROM entries')"
