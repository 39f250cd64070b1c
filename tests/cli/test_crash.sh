#!/usr/bin/env bash
# Crash safety: fleche killed with SIGKILL at every point of storing an entry
# (FLECHE_TEST_KILL_POINT, see src/util/test_hook.hpp) and at growing delays;
# afterwards the store opens, verify is clean, and the entry is either complete
# or absent. A lock left by a killed fleche never blocks the next run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POINTS=(blob-written@1 blob-written@2 blob-written@3 blob-rename@1 blob-rename@2 blob-rename@3
    blob-renamed@1 blob-renamed@2 blob-renamed@3 entry-written entry-rename entry-renamed
    entry-stored index-begin index-commit stored)

# The entry exists once its file is renamed into entries/: from these points
# on a kill leaves it complete (the index, written after it, may lack it).
stored_at() {
    case $1 in entry-renamed | entry-stored | index-begin | index-commit | stored) return 0 ;; esac
    return 1
}

# ./gen N: stdout, stderr and two output files, all stamped with N and the pid
# of this run, so that a replay shows whether its parts come from one run.
make_gen() {
    make_counted gen 'yes "a $1 $$" | head -c 40000 >a.out; yes "b $1 $$" | head -c 40000 >b.out
echo "made $1 $$"; echo "err $1" >&2'
    # Old enough for the stat cache to remember it while the key is computed,
    # before CMD runs: that transaction must not be taken for the entry's.
    touch -d '1 minute ago' gen
}

# replayed_run N: the pid of the run that `fleche run` replays for N (CMD must
# not run), after checking that every part comes from that same run.
replayed_run() {
    local before pid
    before=$(runs gen)
    rm -f a.out b.out
    fl run -o a.out -o b.out -- ./gen "$1" >rep.out 2>rep.err
    assert_runs gen "$before" "a complete entry replays without running CMD"
    pid=$(awk '{print $3}' rep.out)
    assert_file_content rep.out "made $1 $pid"$'\n' "replayed stdout"
    assert_file_content rep.err "err $1"$'\n' "replayed stderr"
    assert_eq "$(yes "a $1 $pid" | head -c 40000 | sha256sum)" "$(sha256sum <a.out)" "a.out from the same run"
    assert_eq "$(yes "b $1 $pid" | head -c 40000 | sha256sum)" "$(sha256sum <b.out)" "b.out from the same run"
    echo "$pid"
}

# kill_at POINT N [--refresh]: store ./gen N, killed at POINT.
kill_at() {
    local point=$1 n=$2
    shift 2
    capture k env FLECHE_TEST_KILL_POINT="$point" "$FLECHE_BIN" run "$@" -o a.out -o b.out -- ./gen "$n"
    assert_eq 137 "$RC" "$point: fleche was killed"
    grep -q "^made $n " k.out || fail "$point: CMD's output did not reach the user before the kill"
    capture v fl verify
    assert_eq 0 "$RC" "$point: verify after the kill: $(cat v.out)"
}

case_kill_points_new_entry() {
    make_gen
    fl run -- true # the store exists before the kills
    local n=0 point
    for point in "${POINTS[@]}"; do
        n=$((n + 1))
        kill_at "$point" "$n"
        if stored_at "$point"; then
            assert_exit 0 fl has -o a.out -o b.out -- ./gen "$n"
            replayed_run "$n" >/dev/null
        else
            assert_exit 1 fl has -o a.out -o b.out -- ./gen "$n"
            fl run -o a.out -o b.out -- ./gen "$n" >/dev/null 2>&1 # stores it now
            replayed_run "$n" >/dev/null
        fi
    done
    echo "$n" >>"$SCRATCH/kills"
}

case_kill_points_replacing_entry() {
    make_gen
    fl run -o a.out -o b.out -- ./gen 0 >first.out 2>/dev/null
    local old new point n=0
    old=$(awk '{print $3}' first.out)
    for point in "${POINTS[@]}"; do
        n=$((n + 1))
        kill_at "$point" 0 --refresh
        new=$(awk '{print $3}' k.out)
        got=$(replayed_run 0)
        if stored_at "$point"; then
            assert_eq "$new" "$got" "$point: the new entry replaces the old"
            old=$new
        else
            assert_eq "$old" "$got" "$point: the old entry stays whole"
        fi
    done
    echo "$n" >>"$SCRATCH/kills"
}

case_kill_at_growing_delays() {
    make_counted big 'touch "started.$1"; head -c 3000000 /dev/urandom >big.out; touch "done.$1"; echo "big $1"'
    fl run -- true
    local i pid tried=0 complete=0
    for i in $(seq 0 19); do
        "$FLECHE_BIN" run -o big.out -- ./big "$i" >/dev/null 2>&1 &
        pid=$!
        sleep "0.0$((i / 2))$((i % 2 * 5))"
        kill -KILL $pid 2>/dev/null || true
        wait $pid 2>/dev/null || true
        sleep 0.2
        [[ ! -e "started.$i" ]] || wait_for_file "done.$i" # CMD outlives fleche
        tried=$((tried + 1))
        assert_exit 0 fl verify
        if fl has -o big.out -- ./big "$i"; then
            cp big.out want.out
            rm big.out
            fl run -o big.out -- ./big "$i" >r.out
            assert_file_eq want.out big.out "delay $i: complete entry"
            complete=$((complete + 1))
        fi
    done
    echo "$tried" >>"$SCRATCH/kills"
    echo "$complete of $tried runs killed at growing delays left a complete entry" >"$SCRATCH/delays"
}

case_lock_of_killed_run_never_blocks() {
    make_counted slow 'touch started; while [ ! -e fast ]; do sleep 0.1; done; echo "slow done"'
    "$FLECHE_BIN" run -- ./slow >/dev/null 2>&1 &
    local pid=$!
    wait_for_file started
    kill -KILL $pid
    local lock
    lock=$FLECHE_DIR/locks/$(fl digest -- ./slow)
    [[ -e "$lock" ]] || fail "fixture: no lock file left behind"
    touch fast # the orphaned CMD ends too
    FL_TIMEOUT=20 capture r fl run -- ./slow
    assert_eq 0 "$RC"
    assert_file_content r.out $'slow done\n'
    assert_file_content r.err '' "no waiting for the killed run"
    fl gc >g.out
    assert_file_contains g.out "1 unused lock"
    [[ ! -e "$lock" ]] || fail "gc kept the leftover lock"
}

run_case kill_points_new_entry case_kill_points_new_entry
run_case kill_points_replacing_entry case_kill_points_replacing_entry
run_case kill_at_growing_delays case_kill_at_growing_delays
run_case lock_of_killed_run_never_blocks case_lock_of_killed_run_never_blocks
echo "kill -9 points survived: $(awk '{s += $1} END {print s + 0}' "$SCRATCH/kills" 2>/dev/null)" \
    "(${#POINTS[@]} named points x 2 scenarios, then delays); $(cat "$SCRATCH/delays" 2>/dev/null)"
finish
