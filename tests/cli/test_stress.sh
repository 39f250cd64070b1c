#!/usr/bin/env bash
# Concurrency stress: 16 processes x 200 distinct invocations against one
# store while gc runs in a loop; identical invocations started together run
# once. No error, no lost entry, verify clean at the end.
# STRESS_WORKERS / STRESS_RUNS scale it (bench/soak.sh runs it longer).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WORKERS=${STRESS_WORKERS:-16}
RUNS=${STRESS_RUNS:-200}

# worker W: the identical slow invocation first (all workers at once), then
# RUNS distinct ones, then the first 20 again (hits). Any error is recorded.
worker() {
    local w=$1 i out
    while [[ ! -e go ]]; do sleep 0.01; done
    out=$("$FLECHE_BIN" run -- ./shared 2>>"err.$w") || echo "shared: exit $?" >>"err.$w"
    [[ $out == shared ]] || echo "shared: wrong output [$out]" >>"err.$w"
    for i in $(seq 1 "$RUNS") $(seq 1 20); do
        out=$("$FLECHE_BIN" run -- printf 'w%s i%s\n' "$w" "$i" 2>>"err.$w") ||
            echo "run $i: exit $?" >>"err.$w"
        [[ $out == "w$w i$i" ]] || echo "run $i: wrong output [$out]" >>"err.$w"
    done
}

gc_loop() {
    local n=0
    while [[ ! -e stop ]]; do
        "$FLECHE_BIN" gc --max-size 1G >/dev/null 2>>err.gc || echo "gc: exit $?" >>err.gc
        n=$((n + 1))
    done
    echo "$n" >gc.count
}

case_stress() {
    make_counted shared 'sleep 1; echo shared'
    fl run -- true
    local w pids=()
    for w in $(seq 1 "$WORKERS"); do
        worker "$w" &
        pids+=($!)
    done
    gc_loop &
    local gc_pid=$!
    sleep 0.3
    touch go
    for w in "${pids[@]}"; do wait "$w"; done
    touch stop
    wait $gc_pid
    # Waiting for the identical slow run is announced; anything else is an error.
    cat err.* | grep -v '^fleche: waiting for an identical run to finish' >errors || true
    assert_file_content errors '' "errors from fleche"
    assert_runs shared 1 "identical invocations started together"
    local entries hits
    fl gc --max-size 1G >/dev/null # folds the hit log into the index
    entries=$(sqlite3 "$FLECHE_DIR/index.sqlite" "SELECT count(*) FROM entries WHERE name = 'printf'")
    assert_eq $((WORKERS * RUNS)) "$entries" "entries stored"
    hits=$(sqlite3 "$FLECHE_DIR/index.sqlite" "SELECT sum(hits) FROM entries WHERE name = 'printf'")
    assert_eq $((WORKERS * 20)) "$hits" "second runs were hits"
    [[ $(cat gc.count) -ge 1 ]] || fail "gc never ran"
    capture v fl verify
    assert_eq 0 "$RC" "verify: $(cat v.out)"
    echo "$WORKERS processes x $RUNS invocations ($entries entries, $hits hits)," \
        "$(cat gc.count) gc runs alongside: no error, no lost entry, verify clean" >"$SCRATCH/figure"
}

run_case stress case_stress
cat "$SCRATCH/figure" 2>/dev/null || true
finish
