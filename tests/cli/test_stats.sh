#!/usr/bin/env bash
# fleche stats (counters, sizes, time saved, --by name, --json, --zero) and
# expiry: --ttl replaces an old entry, --stale replays it and refreshes it in
# the background.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stat_line() { grep "^$1 " stats.out | sed "s/^$1 *//"; }

case_counters() {
    make_counted slow 'sleep 0.3; echo slow'
    make_counted bad 'exit 4'
    fl run -- ./slow >/dev/null
    fl run -- ./slow >/dev/null
    fl run -- ./slow >/dev/null
    fl run -- ./bad || true
    fl stats >stats.out
    assert_eq 2 "$(stat_line hits)"
    assert_eq 2 "$(stat_line misses)"
    assert_eq 1 "$(stat_line stored)"
    assert_eq 50.0% "$(stat_line 'hit rate')"
    assert_eq 0 "$(stat_line errors)"
    assert_eq 1 "$(stat_line entries)"
    assert_contains "$(stat_line 'store size')" "15B logical, "
    assert_contains "$(stat_line 'store size')" " on disk ("
    grep -q '^time saved ' stats.out || fail "no time saved line"
    fl stats --json >s.json
    python3 -c '
import json
s = json.load(open("s.json"))
assert (s["hits"], s["misses"], s["stored"], s["errors"], s["entries"]) == (2, 2, 1, 0, 1), s
assert s["hit_rate"] == 0.5
assert s["logical_size"] == 15 and s["disk_size"] > 0  # one log: magic, chunk header, "slow\n"
assert 0 < s["time_saved_ns"], s  # two hits of a 0.3 s command
'
    local wall
    wall=$(fl query --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["wall_ns"])')
    python3 -c "import json; assert json.load(open('s.json'))['time_saved_ns'] < 2 * $wall"
}

case_by_name_and_zero() {
    make_counted a 'echo a'
    make_counted b 'echo b'
    fl run -- ./a >/dev/null
    fl run -- ./a >/dev/null
    fl run --name bee -- ./b >/dev/null
    fl stats --by name >stats.out
    assert_eq "NAME HITS MISSES STORED ERRORS HIT% ENTRIES SIZE SAVED" "$(head -1 stats.out | tr -s ' ')"
    # SIZE is on disk: a 12-byte log, stored raw, behind the 16-byte blob header.
    assert_eq "a 1 1 1 0 50.0% 1 28B" "$(grep '^a ' stats.out | tr -s ' ' | cut -d' ' -f1-8)"
    assert_eq "bee 0 1 1 0 0.0% 1 28B" "$(grep '^bee ' stats.out | tr -s ' ' | cut -d' ' -f1-8)"
    fl stats --by name --json >s.json
    python3 -c '
import json
rows = {r["name"]: r for r in json.load(open("s.json"))["names"]}
assert set(rows) == {"a", "bee"}, rows
assert (rows["a"]["hits"], rows["a"]["misses"], rows["a"]["entries"]) == (1, 1, 1)
assert rows["bee"]["hit_rate"] == 0.0
'
    fl stats --zero 2>zero.err
    assert_file_content zero.err $'fleche: counters reset (entries are kept)\n'
    fl stats >stats.out
    assert_eq 0 "$(stat_line hits)"
    assert_eq - "$(stat_line 'hit rate')"
    assert_eq 2 "$(stat_line entries)" "--zero keeps the entries"
    assert_exit 125 fl stats --by colour
}

case_ttl() {
    make_counted t 'echo "run $(wc -l <'"'$AUX/count.t'"')"'
    fl run -- ./t >/dev/null
    fl run --ttl 1h -- ./t >o.out
    assert_file_content o.out $'run 1\n' "younger than --ttl: a hit"
    fl run -v --ttl 0s -- ./t >o.out 2>o.err
    assert_file_content o.out $'run 2\n' "older than --ttl: a miss"
    assert_contains "$(cat o.err)" " old, older than --ttl 0.0ms"
    fl run -- ./t >o.out
    assert_file_content o.out $'run 2\n' "the expired entry was replaced"
    assert_eq 1 "$(fl query --keys | wc -l)"
    assert_exit 125 fl run --ttl 5x -- ./t
    assert_contains "$(cat "$AUX/last.err")" "fleche: --ttl: '5x' is not a duration"
    assert_runs t 2 "a bad --ttl runs nothing"
}

# wait_for_refresh KEY TEXT: wait until the detached refresh has stored an
# entry for KEY whose stdout is TEXT.
wait_for_refresh() {
    local n=200
    until [[ "$(fl show --stdout "$1")" == "$2" ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "the stale entry was never refreshed"
        sleep 0.05
    done
}

# wait_for_exit_of_marked MARK: wait until no process has REFRESH_MARK=MARK
# in its environment (a zombie has no environment left, so it does not count).
wait_for_exit_of_marked() {
    local n=400
    while grep -qszxF "REFRESH_MARK=$1" /proc/[0-9]*/environ; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "the background refreshes did not end"
        sleep 0.05
    done
}

case_stale_refresh() {
    make_counted t 'echo "run $(wc -l <'"'$AUX/count.t'"')"'
    fl run -- ./t >/dev/null
    local key
    key=$(fl digest -- ./t)
    fl run -v --stale 0s -- ./t >o.out 2>o.err
    assert_file_content o.out $'run 1\n' "a stale entry is replayed at once"
    assert_file_has_line o.err "fleche: refreshing ${key:0:8} in the background"
    # The detached refresh replaces the entry; wait for it.
    wait_for_refresh "$key" "run 2"
    fl run -- ./t >o.out
    assert_file_content o.out $'run 2\n' "the refreshed entry is replayed"
    assert_runs t 2
    fl run --stale 1h -- ./t >o.out
    assert_file_content o.out $'run 2\n'
    assert_runs t 2 "a fresh entry is not refreshed"
}

# A label from FLECHE_TAGS survives the background refresh.
case_stale_refresh_keeps_a_label_from_the_environment() {
    make_counted t 'echo "run $(wc -l <'"'$AUX/count.t'"')"'
    FLECHE_TAGS=name=nightly,team=sim fl run -- ./t >/dev/null
    local key
    key=$(fl digest -- ./t)
    FLECHE_TAGS=name=nightly,team=sim fl run --stale 0s -- ./t >/dev/null
    wait_for_refresh "$key" "run 2"
    assert_eq nightly "$(fl show --json "$key" | python3 -c 'import json, sys; print(json.load(sys.stdin)["name"])')" \
        "the refreshed entry keeps its label"
}

case_has_honours_ttl() {
    make_counted t 'echo hi'
    fl run -- ./t >/dev/null
    sleep 1.1
    assert_exit 0 fl has -- ./t
    assert_exit 0 fl has --ttl 1h -- ./t
    assert_exit 1 fl has --ttl 1s -- ./t
    assert_exit 125 fl has --ttl soon -- ./t
}

# Two stale hits at once start one refresh: the second finds the key locked.
case_concurrent_stale_hits_refresh_once() {
    make_counted t 'sleep 1; echo "run $(wc -l <'"'$AUX/count.t'"')"'
    fl run -- ./t >/dev/null
    local key
    key=$(fl digest -- ./t)
    # The detached refreshes inherit the environment: REFRESH_MARK finds them.
    REFRESH_MARK=$AUX fl run --stale 0s -- ./t >a.out &
    local a=$!
    REFRESH_MARK=$AUX fl run --stale 0s -- ./t >b.out &
    wait $a $!
    assert_file_content a.out $'run 1\n' "first stale hit replayed at once"
    assert_file_content b.out $'run 1\n' "second stale hit replayed at once"
    wait_for_refresh "$key" "run 2"
    # Both refreshes exist by now (forked before the hits returned); once
    # both have ended, a second run of CMD would have been counted.
    wait_for_exit_of_marked "$AUX"
    assert_runs t 2 "one refresh for two stale hits"
}

# The refresh is told what it is by fleche alone: CMD gets the words after
# "--" and the caller's environment, nothing of the refresh's channel.
case_stale_refresh_leaves_cmd_its_own_words() {
    make_counted t 'echo "run $(wc -l <'"'$AUX/count.t'"')"; printf "[%s]" "$@" >'"'$AUX/args'"'; env | grep -c REFRESH >'"'$AUX/env'"' || true'
    fl run -- ./t a >/dev/null
    local key
    key=$(fl digest -- ./t a)
    fl run --stale 0s -- ./t a >/dev/null
    wait_for_refresh "$key" "run 2"
    assert_file_content "$AUX/args" '[a]' "the refresh's CMD gets its own arguments"
    assert_file_content "$AUX/env" $'0\n' "no refresh variable reaches CMD"
}

run_case counters case_counters
run_case by_name_and_zero case_by_name_and_zero
run_case ttl case_ttl
run_case has_honours_ttl case_has_honours_ttl
run_case stale_refresh case_stale_refresh
run_case concurrent_stale_hits_refresh_once case_concurrent_stale_hits_refresh_once
run_case stale_refresh_keeps_label case_stale_refresh_keeps_a_label_from_the_environment
run_case stale_refresh_leaves_cmd_its_own_words case_stale_refresh_leaves_cmd_its_own_words
finish
