#!/usr/bin/env bash
# What automatic gc adds to a run that stores an entry: N storing runs into a
# store of E entries that is over FLECHE_MAX_SIZE (gc due before every run),
# against the same runs with no limit set. The gc itself runs detached.
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

# mean_us LABEL AGE: mean wall time of n storing runs, each with a new key,
# with gc.stamp set to AGE before each (2 minutes ago: a gc is due).
mean_us() {
    local start end i
    start=$(date +%s%N)
    for i in $(seq 1 "$n"); do
        touch -d "$2" "$FLECHE_DIR/gc.stamp"
        "$bin" run -- printf '%s %s\n' "$1" "$i" >/dev/null
    done
    end=$(date +%s%N)
    echo "$(((end - start) / n / 1000)) us"
}

echo "store of $e entries, $n storing runs each"
echo "no limit set:                       $(mean_us plain '2 minutes ago')"
echo "FLECHE_MAX_SIZE=10K, gc not due:     $(FLECHE_MAX_SIZE=10K mean_us recent now)"
# Over the limit: every run starts a gc that evicts what the previous runs stored.
echo "FLECHE_MAX_SIZE=10K, over, gc due:   $(FLECHE_MAX_SIZE=10K mean_us limited '2 minutes ago')"
# Wait for the last detached gc before the store is removed.
while pgrep -f "gc --auto" >/dev/null; do sleep 0.1; done
echo "entries left after the gcs: $(sqlite3 "$FLECHE_DIR/index.sqlite" 'SELECT count(*) FROM entries')"
