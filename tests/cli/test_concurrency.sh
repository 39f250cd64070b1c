#!/usr/bin/env bash
# Identical invocations at the same time run CMD once; the others wait and replay.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# spawn NAME ARGS...: start `fleche ARGS...` in the background, held until
# release_and_wait; stdout/stderr/exit code go to NAME.out/.err/.rc.
PIDS=()
spawn() {
    local name=$1
    shift
    (
        while [[ ! -e go ]]; do sleep 0.01; done
        rc=0
        "$FLECHE_BIN" "$@" >"$name.out" 2>"$name.err" || rc=$?
        echo "$rc" >"$name.rc"
    ) &
    PIDS+=($!)
}

# release_and_wait: let all spawned invocations go at once, wait for all
# (failing the case if they take more than 60 s).
release_and_wait() {
    sleep 0.2
    touch go
    local waited=0 p
    for p in "${PIDS[@]}"; do
        while kill -0 "$p" 2>/dev/null; do
            sleep 0.1
            waited=$((waited + 1))
            if [[ $waited -gt 600 ]]; then
                kill -KILL "${PIDS[@]}" 2>/dev/null || true
                fail "concurrent runs did not finish within 60 s"
            fi
        done
        wait "$p" || true
    done
    PIDS=()
    rm -f go
}

# start_many N PREFIX ARGS...: N identical invocations at once -> PREFIX1..N.
start_many() {
    local n=$1 prefix=$2 i
    shift 2
    for i in $(seq 1 "$n"); do
        spawn "$prefix$i" "$@"
    done
    release_and_wait
}

case_fresh_store_first_use() {
    # 16 different invocations creating the store at the same time: each one
    # must get a usable store (no warning) and store its entry.
    make_counted quick 'echo "q $1"'
    local i
    for i in $(seq 1 16); do
        spawn "s$i" run -- ./quick "$i"
    done
    release_and_wait
    for i in $(seq 1 16); do
        assert_eq 0 "$(cat s$i.rc)" "exit code of invocation $i"
        assert_file_content s$i.out "q $i"$'\n' "stdout of invocation $i"
        assert_file_content s$i.err '' "invocation $i: nothing on stderr"
    done
    for i in $(seq 1 16); do
        assert_exit 0 fl has -- ./quick "$i"
    done
    assert_runs quick 16
}

case_identical_runs_once() {
    make_counted slow 'sleep 1.5; echo "result $1"; echo "note" >&2; echo made > out.txt'
    local d
    d=$(fl digest -o out.txt -- ./slow X)
    start_many 8 r run -o out.txt -- ./slow X
    assert_runs slow 1 "8 identical concurrent invocations must run CMD once"
    local i waiting=0
    for i in $(seq 1 8); do
        assert_eq 0 "$(cat r$i.rc)" "exit code of invocation $i"
        assert_file_content r$i.out $'result X\n' "stdout of invocation $i"
        assert_eq "note" "$(strip_fleche r$i.err)" "CMD's stderr for invocation $i"
        if grep -qxF "fleche: waiting for an identical run to finish (key ${d:0:8})" r$i.err; then
            waiting=$((waiting + 1))
        fi
        local other
        other=$(fleche_lines r$i.err | grep -vxF "fleche: waiting for an identical run to finish (key ${d:0:8})" || true)
        assert_eq "" "$other" "invocation $i: unexpected fleche output"
    done
    [[ $waiting -ge 1 ]] || fail "no invocation printed 'fleche: waiting for an identical run to finish (key ${d:0:8})': $(cat r*.err)"
    assert_file_content out.txt $'made\n'
    # Afterwards: a plain hit.
    capture after fl run -o out.txt -- ./slow X
    assert_runs slow 1
    assert_file_content after.err $'note\n'
}

case_different_keys_both_run() {
    make_counted slow 'sleep 0.5; echo "result $1"'
    local i k
    for i in 1 2 3; do
        for k in A B; do
            spawn "$k$i" run -- ./slow "$k"
        done
    done
    release_and_wait
    for i in 1 2 3; do
        for k in A B; do
            assert_eq 0 "$(cat $k$i.rc)" "exit code of $k$i"
            assert_file_content $k$i.out "result $k"$'\n' "stdout of $k$i"
        done
    done
    assert_runs slow 2 "two distinct keys: CMD runs once per key"
}

# each_got_the_failed_attempt N PREFIX: invocations PREFIX1..N each exited 3
# after printing "attempt" (CMD's own result, not a replay of another's).
each_got_the_failed_attempt() {
    local i
    for i in $(seq 1 "$1"); do
        assert_eq 3 "$(cat "$2$i.rc")" "exit code of invocation $i"
        assert_file_content "$2$i.out" $'attempt\n' "stdout of invocation $i"
    done
}

case_failing_run_not_replayed_to_waiters() {
    # The first run fails (not stored): the waiting invocations must not get a
    # replay of it; each runs CMD itself and gets the true result.
    make_counted flaky 'sleep 0.3; echo "attempt"; exit 3'
    start_many 4 f run -- ./flaky
    each_got_the_failed_attempt 4 f
    assert_runs flaky 4 "exit 3 is not stored, so every invocation must run CMD"
}

case_concurrent_with_cache_failures() {
    make_counted flaky 'sleep 1.2; echo "attempt"; exit 3'
    start_many 5 g run --cache-failures -- ./flaky
    local i
    for i in 1 2 3 4 5; do
        assert_eq 3 "$(cat g$i.rc)" "exit code of invocation $i"
        assert_file_content g$i.out $'attempt\n' "stdout of invocation $i"
    done
    assert_runs flaky 1 "with --cache-failures the failure is stored once and replayed"
}

# When the run the others waited for stores nothing, they must not then take
# the lock in turn, each running CMD while the rest wait: they run side by
# side. Each copy of CMD notes that it runs and waits (bounded) to see another
# copy running; run one after another, none ever sees one.
case_failing_waiters_run_side_by_side() {
    local running=$AUX/running
    mkdir -p "$running"
    make_counted flaky '
touch "'"$running"'/$$"
i=0
while [ "$(ls "'"$running"'" | wc -l)" -lt 2 ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
if [ "$(ls "'"$running"'" | wc -l)" -ge 2 ]; then echo beside >>"'"$AUX"'/seen"; fi
rm -f "'"$running"'/$$"
echo attempt; exit 3'
    start_many 4 f run -- ./flaky
    each_got_the_failed_attempt 4 f
    assert_runs flaky 4 "a failure is not stored: every invocation runs CMD"
    local beside=0
    [[ ! -f "$AUX/seen" ]] || beside=$(wc -l <"$AUX/seen")
    [[ $beside -ge 2 ]] || fail "the waiters ran CMD one after another ($beside saw another copy running)"
    fl stats --json >s.json
    assert_eq 4 "$(python3 -c 'import json; print(json.load(open("s.json"))["misses"])')" "misses counted"
    assert_exit 1 fl has -- ./flaky
}

run_case fresh_store_concurrent_first_use case_fresh_store_first_use
run_case identical_runs_once case_identical_runs_once
run_case different_keys_both_run case_different_keys_both_run
run_case failing_run_not_replayed_to_waiters case_failing_run_not_replayed_to_waiters
run_case concurrent_with_cache_failures case_concurrent_with_cache_failures
run_case failing_waiters_run_side_by_side case_failing_waiters_run_side_by_side
finish
