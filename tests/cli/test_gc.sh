#!/usr/bin/env bash
# fleche gc: LRU eviction by size (of the whole store, as du measures it), age
# and count; orphans (at once), temporary files and locks; the storing lock that
# protects a run storing concurrently; automatic gc when a run crosses a limit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# make_rand: ./rand N prints 20000 random bytes and "N" (a distinct 20 kB blob).
make_rand() {
    make_counted rand 'head -c 20000 /dev/urandom; echo "$1"'
}

# du_store: the store's size on disk, as gc --max-size means it.
du_store() {
    du -s -B1 "$FLECHE_DIR" | cut -f1
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
    capture g fl gc --max-entries 2
    assert_eq 0 "$RC"
    grep -q '^removed 1 entry, 1 blob ([0-9.]*K)' g.out || fail "gc said: $(cat g.out)"
    assert_file_contains g.out "kept 2 entries"
    assert_eq "yes no yes" "$(stored a) $(stored b) $(stored c)" "b was the least recently used"
    # At once: no grace period for a blob just written.
    assert_eq 2 "$(find "$FLECHE_DIR/objects" -type f | wc -l)" "b's blob is gone"
    assert_exit 0 fl verify
}

case_max_size() {
    make_rand
    local i
    for i in 1 2 3 4 5 6; do fl run -- ./rand $i >/dev/null; done
    local full limit
    full=$(du_store)
    # The index, entries, locks and directories count, not only the blobs.
    limit=$((full - 50 * 1024))
    capture g fl gc --max-size "$limit"
    assert_eq 0 "$RC"
    [[ $(du_store) -le $limit ]] || fail "du says $(du_store) bytes after gc --max-size $limit (was $full)"
    assert_eq "no yes yes" "$(stored 1) $(stored 5) $(stored 6)" "the least recently used go first"
    assert_file_contains g.out "the store takes"
    assert_exit 0 fl verify
    # A store that fits loses nothing.
    limit=$(du_store)
    fl gc --max-size "$limit" >g2.out
    assert_file_contains g2.out "removed 0 entries, 0 blobs"
    # FLECHE_MAX_SIZE is the default limit; 0 leaves the empty layout.
    FLECHE_MAX_SIZE=0 fl gc >g3.out
    assert_eq "no no" "$(stored 5) $(stored 6)"
    assert_file_contains g3.out "kept 0 entries"
}

# A store of many small entries whose index outweighs its blobs: gc must
# shrink the index itself (checkpoint, VACUUM) to meet the limit.
case_max_size_counts_the_index() {
    make_counted tiny 'echo "$1"'
    local i
    for i in $(seq 1 150); do fl run --tag n=$i -- ./tiny $i >/dev/null; done
    local full limit
    full=$(du_store)
    # Half of what entries take: the stat cache (3 MiB, whatever the store
    # holds) is not theirs.
    local fixed
    fixed=$(du -s -B1 "$FLECHE_DIR/stat-cache" | cut -f1)
    limit=$((fixed + (full - fixed) / 2))
    fl gc --max-size "$limit" >g.out
    [[ $(du_store) -le $limit ]] || fail "du says $(du_store) bytes after gc --max-size $limit (was $full)"
    assert_eq yes "$(fl has -- ./tiny 150 && echo yes || echo no)" "the most recent entry is kept"
    capture r fl run -- ./tiny 150
    assert_file_content r.out $'150\n'
    assert_runs tiny 150 "a hit after gc"
    assert_exit 0 fl verify
}

case_max_age() {
    make_rand
    fl run -- ./rand old >/dev/null
    fl run -- ./rand new >/dev/null
    local key
    key=$(fl digest -- ./rand old)
    sqlite3 "$FLECHE_DIR/index.sqlite" \
        "UPDATE entries SET last_use_ns = last_use_ns - 3*86400*1000000000 WHERE key = '$key'"
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
    touch -d '2 hours ago' "$FLECHE_DIR/tmp/blob.stale"
    store_snapshot >before
    capture g fl gc --max-entries 0 --dry-run -v
    assert_eq 0 "$RC"
    grep -Eq '^would remove 2 entries, 2 blobs \(([0-9.]+K)\), 1 temporary file .*would free \1$' g.out ||
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

# gc_while_storing POINT: a run stops at POINT while storing (its blobs in
# objects/ and no entry yet names them); gc, told to leave nothing, starts
# meanwhile and must wait for it; the run continues and its entry is complete.
gc_while_storing() {
    make_counted gen 'head -c 30000 /dev/urandom >out.bin; echo "made $1"'
    fl run -- ./gen warmup >/dev/null
    FLECHE_TEST_STOP_POINT=$1 "$FLECHE_BIN" run -o out.bin -- ./gen x >r.out 2>r.err &
    local pid=$!
    wait_stopped $pid
    "$FLECHE_BIN" gc --max-size 0 >g.out &
    local gc=$!
    wait_lock_waiter $gc
    kill -0 $gc || fail "gc did not wait for the storing run"
    kill -CONT $pid
    wait $pid
    wait $gc
    assert_eq no "$(fl has -- ./gen warmup && echo yes || echo no)" "gc evicted the rest"
    cp out.bin want.bin
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen x
    assert_runs gen 2 "the entry stored next to gc must replay"
    assert_file_eq want.bin out.bin "restored output"
    assert_file_content r2.out $'made x\n'
    assert_exit 0 fl verify
}

case_gc_spares_blobs_before_their_entry() { gc_while_storing blob-renamed@2; }
case_gc_spares_blob_of_entry_being_stored() { gc_while_storing index-begin; }
case_gc_spares_blob_being_renamed() { gc_while_storing blob-rename@2; }
case_gc_spares_blob_stored_again() {
    # The same blob as an evicted entry's, stored again while gc runs.
    make_counted same 'echo same output; echo "$1" >/dev/null'
    fl run -- ./same 1 >/dev/null
    FLECHE_TEST_STOP_POINT=index-begin "$FLECHE_BIN" run -- ./same 2 >/dev/null &
    local pid=$!
    wait_stopped $pid
    "$FLECHE_BIN" gc --max-entries 0 >g.out &
    local gc=$!
    wait_lock_waiter $gc
    kill -CONT $pid
    wait $pid
    wait $gc
    assert_file_contains g.out "removed 1 entry, 0 blobs"
    capture r fl run -- ./same 2
    assert_runs same 2
    assert_file_content r.out $'same output\n'
    assert_exit 0 fl verify
}

# A gc stopped while it holds the storing lock (between two deletions) makes
# a storing run wait for that batch only, and a hit not at all.
case_hit_does_not_wait_for_gc() {
    make_rand
    fl run -- ./rand keep >/dev/null
    for i in 1 2 3; do fl run -- ./rand $i >/dev/null; done
    fl gc --max-entries 4 >/dev/null # the store is settled
    FLECHE_TEST_STOP_POINT=gc-blob-removed "$FLECHE_BIN" gc --max-entries 1 >g.out &
    local gc=$!
    wait_stopped $gc
    capture h fl run -- ./rand 3 # the most recent entry: a hit
    assert_eq 0 "$RC"
    assert_runs rand 4 "a hit while gc holds the storing lock"
    kill -CONT $gc
    wait $gc
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

stamp_time() { stat -c %y "$FLECHE_DIR/gc.stamp" 2>/dev/null || echo none; }
usage_bytes() { awk '{print $3}' "$FLECHE_DIR/gc.usage"; }
# wait_auto_gc: until the automatic gc that a run started has written
# gc.usage and released the gc lock.
wait_auto_gc() {
    wait_until test -s "$FLECHE_DIR/gc.usage"
    wait_until flock -n "$FLECHE_DIR/gc.stamp" true
}

case_automatic_gc_when_size_crossed() {
    make_rand
    export FLECHE_MAX_SIZE=1G
    fl run -- ./rand a >/dev/null # a store no gc has measured: one measures it
    wait_auto_gc
    local stamp before
    stamp=$(stamp_time)
    before=$(usage_bytes)
    fl run -- ./rand b >/dev/null
    assert_eq "$stamp" "$(stamp_time)" "a run that stays under max_size started a gc"
    [[ $(usage_bytes) -gt $before ]] || fail "the run did not add to gc.usage"
    # The next run crosses the limit: it starts a gc, and does not wait for it.
    local limit=$(($(usage_bytes) + 10000))
    export FLECHE_MAX_SIZE=$limit
    local out
    out=$(fl run -- ./rand c | tail -c 2) # a pipe: must not wait for the gc
    assert_eq c "$out"
    [[ $(stamp_time) != "$stamp" ]] || fail "the run that crossed max_size started no gc"
    wait_until gone a
    wait_auto_gc
    [[ $(du_store) -le $limit ]] || fail "du says $(du_store) after the automatic gc (limit $limit)"
}

case_automatic_gc_when_age_crossed() {
    make_rand
    fl run -- ./rand old >/dev/null
    local key
    key=$(fl digest -- ./rand old)
    sqlite3 "$FLECHE_DIR/index.sqlite" \
        "UPDATE entries SET last_use_ns = last_use_ns - 3*86400*1000000000 WHERE key = '$key'"
    fl gc >/dev/null # no limit: measures, and records the oldest last use
    export FLECHE_MAX_AGE=2d
    fl run -- ./rand new >/dev/null
    wait_until gone old
    wait_auto_gc
    local stamp
    stamp=$(stamp_time)
    fl run -- ./rand newer >/dev/null
    assert_eq "$stamp" "$(stamp_time)" "no entry is older than max_age: no gc"
    assert_eq "yes yes" "$(stored new) $(stored newer)"
}

case_no_limits_no_automatic_gc() {
    make_rand
    fl run -- ./rand a >/dev/null
    [[ ! -e "$FLECHE_DIR/gc.stamp" ]] || fail "gc started without limits"
}

# gc killed (SIGKILL) at each of its kill points: the store stays consistent,
# every entry either replays its exact bytes or is stored again, and the next
# gc finishes the job.
GC_POINTS=(gc-measured@1 gc-evict gc-evicted gc-blob-removed@1 gc-blob-removed@2 gc-temp-removed
    gc-lock-removed gc-compact gc-compacted gc-measured@2)
case_gc_kill_points() {
    make_counted gen 'head -c 30000 /dev/urandom >out.bin; echo "made $1"'
    local point n=0 i
    for point in "${GC_POINTS[@]}"; do
        n=$((n + 1))
        export FLECHE_DIR=$AUX/store.$n
        for i in 1 2 3 4; do
            fl run -o out.bin -- ./gen $i >/dev/null
            cp out.bin "want.$n.$i"
        done
        echo x >"$FLECHE_DIR/tmp/blob.stale" && touch -d '2 hours ago' "$FLECHE_DIR/tmp/blob.stale"
        capture k env FLECHE_TEST_KILL_POINT=$point "$FLECHE_BIN" gc --max-size $(($(du_store) - 60000))
        assert_eq 137 "$RC" "$point: gc was killed"
        capture v fl verify
        assert_eq 0 "$RC" "$point: verify after the kill: $(cat v.out)"
        for i in 1 2 3 4; do
            rm -f out.bin
            if fl has -o out.bin -- ./gen $i; then
                local before
                before=$(runs gen)
                capture r fl run -o out.bin -- ./gen $i
                assert_runs gen "$before" "$point: entry $i was kept: a hit"
                assert_file_eq "want.$n.$i" out.bin "$point: entry $i replays its bytes"
            else
                capture r fl run -o out.bin -- ./gen $i
                assert_exit 0 fl has -o out.bin -- ./gen $i
            fi
            assert_file_content r.out "made $i"$'\n'
        done
        fl gc --max-size $(($(du_store) - 60000)) >/dev/null
        assert_exit 0 fl verify
    done
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
run_case max_size_counts_the_index case_max_size_counts_the_index
run_case max_age case_max_age
run_case dry_run_changes_nothing case_dry_run_changes_nothing
run_case bad_values_change_nothing case_bad_values_change_nothing
run_case temps_and_locks case_temps_and_locks
run_case gc_spares_blobs_before_their_entry case_gc_spares_blobs_before_their_entry
run_case gc_spares_blob_of_entry_being_stored case_gc_spares_blob_of_entry_being_stored
run_case gc_spares_blob_being_renamed case_gc_spares_blob_being_renamed
run_case gc_spares_blob_stored_again case_gc_spares_blob_stored_again
run_case gc_kill_points case_gc_kill_points
run_case hit_does_not_wait_for_gc case_hit_does_not_wait_for_gc
run_case automatic_gc_when_size_crossed case_automatic_gc_when_size_crossed
run_case automatic_gc_when_age_crossed case_automatic_gc_when_age_crossed
run_case no_limits_no_automatic_gc case_no_limits_no_automatic_gc
finish
