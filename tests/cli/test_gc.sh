#!/usr/bin/env bash
# fleche gc: LRU eviction by size, age and count; orphans, temporary files and
# locks; the grace period that protects a run storing concurrently; automatic gc.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# make_rand: ./rand N prints 20000 random bytes and "N" (a distinct 20 kB blob).
make_rand() {
    make_counted rand 'head -c 20000 /dev/urandom; echo "$1"'
}

# age_blobs: pretend every blob was written two hours ago (past the grace period).
age_blobs() {
    find "$FLECHE_DIR/objects" -type f -exec touch -d '2 hours ago' {} +
}

stored() { fl has -- ./rand "$1" && echo yes || echo no; }
gone() { [[ $(stored "$1") == no ]]; }

store_snapshot() {
    (cd "$FLECHE_DIR" && find . -type f ! -name 'index.sqlite*' | sort && sqlite3 index.sqlite .dump)
}

case_max_entries_lru() {
    make_rand
    fl run -- ./rand a >/dev/null
    fl run -- ./rand b >/dev/null
    fl run -- ./rand c >/dev/null
    fl run -- ./rand a >/dev/null # a hit: a is now the most recently used
    assert_runs rand 3
    age_blobs
    capture g fl gc --max-entries 2
    assert_eq 0 "$RC"
    grep -q '^removed 1 entry, 1 blob (19\.[0-9]K)' g.out || fail "gc said: $(cat g.out)"
    assert_file_contains g.out "kept 2 entries"
    assert_eq "yes no yes" "$(stored a) $(stored b) $(stored c)" "b was the least recently used"
    assert_eq 2 "$(find "$FLECHE_DIR/objects" -type f | wc -l)" "b's blob is gone"
    assert_exit 0 fl verify
}

case_max_size() {
    make_rand
    local i
    for i in 1 2 3 4; do fl run -- ./rand $i >/dev/null; done
    age_blobs
    capture g fl gc --max-size 45K
    assert_file_contains g.out "removed 2 entries, 2 blobs"
    assert_eq "no no yes yes" "$(stored 1) $(stored 2) $(stored 3) $(stored 4)"
    local bytes
    bytes=$(find "$FLECHE_DIR/objects" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    [[ $bytes -le $((45 * 1024)) ]] || fail "blobs hold $bytes bytes after gc --max-size 45K"
    # FLECHE_MAX_SIZE is the default limit.
    FLECHE_MAX_SIZE=25K fl gc >/dev/null
    assert_eq "no yes" "$(stored 3) $(stored 4)"
}

case_max_age() {
    make_rand
    fl run -- ./rand old >/dev/null
    fl run -- ./rand new >/dev/null
    local key
    key=$(fl digest -- ./rand old)
    sqlite3 "$FLECHE_DIR/index.sqlite" \
        "UPDATE entries SET last_use_ns = last_use_ns - 3*86400*1000000000 WHERE key = '$key'"
    age_blobs
    FLECHE_MAX_AGE=2d fl gc >g.out
    assert_file_contains g.out "removed 1 entry"
    assert_eq "no yes" "$(stored old) $(stored new)"
    fl gc --max-age 1d >g2.out
    assert_file_contains g2.out "removed 0 entries"
}

case_dry_run_changes_nothing() {
    make_rand
    fl run -- ./rand 1 >/dev/null
    fl run -- ./rand 2 >/dev/null
    age_blobs
    touch -d '2 hours ago' "$FLECHE_DIR/tmp/blob.stale"
    store_snapshot >before
    capture g fl gc --max-entries 0 --dry-run -v
    assert_eq 0 "$RC"
    grep -Eq '^would remove 2 entries, 2 blobs \((39\.[0-9]K)\), 1 temporary file .*would free \1$' g.out ||
        fail "dry run said: $(cat g.out)"
    assert_file_contains g.out "would remove entry $(digest8 -- ./rand 1)"
    store_snapshot >after
    assert_file_eq before after "--dry-run changed the store"
    fl gc --max-entries 0 -v >g2.out
    assert_file_contains g2.out "removed temporary file $FLECHE_DIR/tmp/blob.stale"
    assert_eq 0 "$(find "$FLECHE_DIR/objects" "$FLECHE_DIR/tmp" -type f | wc -l)" "everything went"
}

case_bad_values_change_nothing() {
    make_rand
    fl run -- ./rand 1 >/dev/null
    age_blobs
    store_snapshot >before
    assert_exit 125 fl gc --max-size 12Q
    assert_file_contains "$AUX/last.err" "fleche: --max-size: '12Q'"
    assert_exit 125 fl gc --max-age soon
    assert_exit 125 fl gc --max-entries -1
    FLECHE_MAX_SIZE=lots assert_exit 125 fl gc
    assert_file_contains "$AUX/last.err" "FLECHE_MAX_SIZE"
    store_snapshot >after
    assert_file_eq before after
}

case_temps_and_locks() {
    make_rand
    fl run -- ./rand 1 >/dev/null
    echo x >"$FLECHE_DIR/tmp/blob.old" && touch -d '2 hours ago' "$FLECHE_DIR/tmp/blob.old"
    echo x >"$FLECHE_DIR/tmp/blob.young"
    touch "$FLECHE_DIR/locks/held" "$FLECHE_DIR/locks/left"
    flock "$FLECHE_DIR/locks/held" sleep 30 &
    local holder=$!
    sleep 0.3
    fl gc >g.out
    kill "$holder"
    assert_file_contains g.out "1 temporary file (2B) and 2 unused locks"
    [[ ! -e "$FLECHE_DIR/tmp/blob.old" ]] || fail "stale temporary file kept"
    [[ -e "$FLECHE_DIR/tmp/blob.young" ]] || fail "a temporary file younger than an hour was removed"
    [[ -e "$FLECHE_DIR/locks/held" ]] || fail "a lock in use was removed"
    [[ ! -e "$FLECHE_DIR/locks/left" ]] || fail "a leftover lock was kept"
    assert_eq yes "$(stored 1)"
}

# wait_stopped PID: until the process has stopped itself (SIGSTOP).
wait_stopped() {
    local n=200
    until [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "process $1 did not stop at the test hook"
        sleep 0.05
    done
}

# gc_while_storing POINT: a run stops at POINT while storing; gc (told to
# evict everything) runs meanwhile; the run continues and its entry is complete.
gc_while_storing() {
    make_counted gen 'head -c 30000 /dev/urandom >out.bin; echo "made $1"'
    fl run -- ./gen warmup >/dev/null
    FLECHE_TEST_STOP_POINT=$1 "$FLECHE_BIN" run -o out.bin -- ./gen x >r.out 2>r.err &
    local pid=$!
    wait_stopped $pid
    fl gc --max-entries 0 >g.out
    kill -CONT $pid
    wait $pid
    cp out.bin want.bin
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen x
    assert_runs gen 2 "the entry stored next to gc must replay"
    assert_file_eq want.bin out.bin "restored output"
    assert_file_content r2.out $'made x\n'
    assert_exit 0 fl verify
}

case_gc_spares_blob_of_entry_being_stored() { gc_while_storing index-begin; }
case_gc_spares_blob_being_renamed() { gc_while_storing blob-rename@2; }
case_gc_spares_blob_stored_again() {
    # The same blob as an evicted entry's, stored again while gc runs.
    make_counted same 'echo same output; echo "$1" >/dev/null'
    fl run -- ./same 1 >/dev/null
    age_blobs
    FLECHE_TEST_STOP_POINT=index-begin "$FLECHE_BIN" run -- ./same 2 >/dev/null &
    local pid=$!
    wait_stopped $pid
    fl gc --max-entries 0 >g.out
    assert_file_contains g.out "removed 1 entry, 0 blobs"
    kill -CONT $pid
    wait $pid
    capture r fl run -- ./same 2
    assert_runs same 2
    assert_file_content r.out $'same output\n'
    assert_exit 0 fl verify
}

# wait_until CMD...: poll (10 s) until CMD succeeds.
wait_until() {
    local n=200
    until "$@"; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "timed out waiting for: $*"
        sleep 0.05
    done
}

case_automatic_gc() {
    make_rand
    export FLECHE_MAX_AGE=1s
    fl run -- ./rand a >/dev/null # the first stored run starts a gc too
    wait_until test -f "$FLECHE_DIR/gc.stamp"
    sleep 1.2
    touch -d '2 minutes ago' "$FLECHE_DIR/gc.stamp"
    local out
    out=$(fl run -- ./rand b | tail -c 2) # a pipe: must not wait for the gc
    assert_eq b "$out"
    wait_until gone a
    # At most once a minute: b ages past the limit, c's run starts no gc.
    sleep 1.2
    # A run that starts a gc first claims the minute by touching gc.stamp,
    # before it exits: an unchanged stamp after c's run means no gc started.
    local stamp
    stamp=$(stat -c %y "$FLECHE_DIR/gc.stamp")
    fl run -- ./rand c >/dev/null
    assert_eq "$stamp" "$(stat -c %y "$FLECHE_DIR/gc.stamp")" "a second automatic gc within a minute"
    assert_eq yes "$(stored b)" "b is kept until the next gc"
    touch -d '2 minutes ago' "$FLECHE_DIR/gc.stamp"
    fl run -- ./rand d >/dev/null
    wait_until gone b
    assert_eq yes "$(stored d)"
}

case_no_limits_no_automatic_gc() {
    make_rand
    fl run -- ./rand a >/dev/null
    [[ ! -e "$FLECHE_DIR/gc.stamp" ]] || fail "gc started without limits"
}

# Every flag of gc and verify is in --help, the man page, the README and the
# three completions.
case_flags_documented() {
    [[ -n "$FLECHE_SOURCE_DIR" ]] || skip "FLECHE_SOURCE_DIR is not set"
    local src=$FLECHE_SOURCE_DIR flag file
    fl gc --help >gc.help
    fl verify --help >verify.help
    for flag in --max-size --max-age --max-entries --dry-run --verbose; do
        assert_file_contains gc.help "$flag"
        assert_file_contains "$src/man/fleche.1" "${flag//-/\\-}"
        for file in README.md completions/fleche.bash completions/_fleche completions/fleche.fish; do
            assert_file_contains "$src/$file" "${flag#--}" "$flag in $file"
        done
    done
    assert_file_contains verify.help --repair
    assert_file_contains "$src/man/fleche.1" '\-\-repair'
    for file in README.md completions/fleche.bash completions/_fleche completions/fleche.fish; do
        assert_file_contains "$src/$file" repair "--repair in $file"
    done
}

run_case flags_documented case_flags_documented
run_case max_entries_lru case_max_entries_lru
run_case max_size case_max_size
run_case max_age case_max_age
run_case dry_run_changes_nothing case_dry_run_changes_nothing
run_case bad_values_change_nothing case_bad_values_change_nothing
run_case temps_and_locks case_temps_and_locks
run_case gc_spares_blob_of_entry_being_stored case_gc_spares_blob_of_entry_being_stored
run_case gc_spares_blob_being_renamed case_gc_spares_blob_being_renamed
run_case gc_spares_blob_stored_again case_gc_spares_blob_stored_again
run_case automatic_gc case_automatic_gc
run_case no_limits_no_automatic_gc case_no_limits_no_automatic_gc
finish
