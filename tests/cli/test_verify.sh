#!/usr/bin/env bash
# fleche verify [--repair]: every blob re-hashed, every entry's references
# checked; repair drops what is broken and the next run stores it again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

make_gen() {
    make_counted gen 'head -c 30000 /dev/urandom >out.bin; echo "made $1"'
}

store_two() {
    make_gen
    fl run -o out.bin -- ./gen 1 >/dev/null
    fl run -o out.bin -- ./gen 2 >/dev/null
}

case_clean_store() {
    store_two
    capture v fl verify
    assert_eq 0 "$RC"
    grep -qx 'checked 4 blob(s) ([0-9.]*K) and 2 entry(ies): no problems' v.out ||
        fail "unexpected report: $(cat v.out)"
    assert_file_content v.err ''
}

case_empty_store() {
    capture v fl verify
    assert_eq 0 "$RC"
    assert_file_contains v.out "checked 0 blob(s) (0B) and 0 entry(ies): no problems"
}

# the blob of entry 1's output file
output_blob_of() {
    local key blob
    key=$(fl digest -o out.bin -- ./gen "$1")
    blob=$(sqlite3 "$FLECHE_DIR/index.sqlite" "SELECT blob FROM outputs WHERE key = '$key'")
    echo "$FLECHE_DIR/objects/${blob:0:2}/${blob:2}"
}

# damage_repair DESC: verify finds exactly entry 1 broken, --repair drops it,
# verify is clean again, entry 2 still replays and entry 1 runs and is stored.
damage_repair() {
    capture v fl verify
    assert_eq 1 "$RC" "$1: verify exit code"
    assert_file_contains v.out "broken entry $(fl digest -o out.bin -- ./gen 1 | head -c 12) (./gen 1): "
    assert_file_contains v.err "fleche: the store has problems; 'fleche verify --repair'"
    capture r fl verify --repair
    assert_eq 0 "$RC" "$1: repair exit code"
    assert_file_contains r.out "repaired: removed 1 entries"
    capture v2 fl verify
    assert_eq 0 "$RC" "$1: verify after repair"
    assert_file_contains v2.out "and 1 entry(ies): no problems"
    capture g fl run -o out.bin -- ./gen 2
    assert_file_content g.out $'made 2\n'
    assert_runs gen 2 "$1: entry 2 still replays"
    capture g fl run -o out.bin -- ./gen 1
    assert_runs gen 3 "$1: entry 1 runs again"
    assert_exit 0 fl verify
}

case_flipped_byte() {
    store_two
    local b
    b=$(output_blob_of 1)
    flip_byte "$b" 100
    damage_repair "flipped byte"
    assert_file_contains v.out "damaged blob $b"
}

case_truncated_blob() {
    store_two
    local b
    b=$(output_blob_of 1)
    truncate -s 20 "$b"
    damage_repair "truncated blob"
    assert_file_contains v.out "damaged blob $b: blob '$b' is truncated"
}

case_deleted_blob() {
    store_two
    rm "$(output_blob_of 1)"
    damage_repair "deleted blob"
    assert_file_contains v.out "is missing"
}

case_wrong_key_record() {
    store_two
    local key
    key=$(fl digest -o out.bin -- ./gen 1)
    sqlite3 "$FLECHE_DIR/index.sqlite" "UPDATE entries SET key_record = 'x' WHERE key = '$key'"
    damage_repair "key record that does not hash to its key"
    assert_file_contains v.out "its key does not match its key record"
}

case_orphans_are_not_problems() {
    store_two
    local key
    key=$(fl digest -o out.bin -- ./gen 1)
    fl rm "$key" >/dev/null
    capture v fl verify
    assert_eq 0 "$RC"
    grep -qx '2 blobs ([0-9.]*K) belong to no entry; gc removes them' v.out ||
        fail "orphans not reported: $(cat v.out)"
    # --repair removes them at once: no run is storing (see the gc tests for
    # one that is).
    fl verify --repair >r.out
    assert_file_contains r.out "removed 0 entries and 2 blobs"
    assert_eq 2 "$(find "$FLECHE_DIR/objects" -type f | wc -l)"
}

case_garbage_index() {
    mkdir -p "$FLECHE_DIR"
    head -c 4096 /dev/urandom >"$FLECHE_DIR/index.sqlite"
    capture v fl verify
    assert_eq 0 "$RC" "verify rebuilds a garbage index: $(cat v.err)"
    assert_file_contains v.err "index.sqlite' is damaged (file is not a database); moved it to"
    capture v2 fl verify --repair
    assert_eq 0 "$RC"
    assert_eq "" "$(fleche_lines v2.err)" "once"
}

case_damaged_pages_of_the_index() {
    local i
    for i in $(seq 30); do fl run -- echo "$i" >/dev/null; done
    sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    rm -f "$FLECHE_DIR"/index.sqlite-* "$FLECHE_DIR/hits.log"
    # Page 1 (the header and schema) stays: the index opens, its tables do not read.
    local pages=$(($(stat -c %s "$FLECHE_DIR/index.sqlite") / 4096))
    dd if=/dev/zero of="$FLECHE_DIR/index.sqlite" bs=4096 seek=2 count=$((pages - 2)) conv=notrunc status=none
    capture v fl verify
    assert_eq 1 "$RC" "verify finds the damage: $(cat v.out v.err)"
    assert_file_contains v.out "the index is damaged: "
    assert_file_contains v.err "'fleche verify --repair' rebuilds it"
    capture r fl verify --repair
    assert_eq 0 "$RC" "verify --repair rebuilds the index: $(cat r.out r.err)"
    assert_eq 1 "$(fleche_lines r.err | wc -l)" "one warning: $(cat r.err)"
    assert_file_contains r.err "index.sqlite' is damaged (Page "
    assert_file_contains r.err "moved it to '$FLECHE_DIR/index.sqlite.damaged-"
    capture v2 fl verify
    assert_eq 0 "$RC" "verify is clean after the rebuild: $(cat v2.out v2.err)"
    assert_eq "" "$(fleche_lines v2.err)"
}

case_progress_only_on_a_terminal() {
    store_two
    fl verify 2>v.err >/dev/null
    assert_file_content v.err '' "no progress when stderr is not a terminal"
    command -v script >/dev/null || skip "script(1) is not installed"
    script -qec "$FLECHE_BIN verify" /dev/null >tty.out
    assert_file_contains tty.out "fleche: checking blobs 4/4"
}

# A run stopped after its blobs are in objects/ and before its entry names
# them: verify --repair waits for it instead of taking them for orphans, and
# the entry it then stores replays.
case_repair_waits_for_a_storing_run() {
    make_counted gen 'head -c 30000 /dev/urandom >out.bin; echo "made $1"'
    FLECHE_TEST_STOP_POINT=blob-renamed@2 "$FLECHE_BIN" run -o out.bin -- ./gen x >r.out 2>r.err &
    local pid=$!
    wait_stopped $pid
    "$FLECHE_BIN" verify --repair >v.out &
    local verify=$!
    wait_lock_waiter $verify
    kill -CONT $pid
    wait $pid
    wait $verify
    cp out.bin want.bin
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen x
    assert_runs gen 1 "the entry stored beside verify --repair replays"
    assert_file_eq want.bin out.bin "restored output"
    assert_exit 0 fl verify
}

run_case clean_store case_clean_store
run_case repair_waits_for_a_storing_run case_repair_waits_for_a_storing_run
run_case empty_store case_empty_store
run_case flipped_byte case_flipped_byte
run_case truncated_blob case_truncated_blob
run_case deleted_blob case_deleted_blob
run_case wrong_key_record case_wrong_key_record
run_case orphans_are_not_problems case_orphans_are_not_problems
run_case garbage_index case_garbage_index
run_case damaged_pages_of_the_index case_damaged_pages_of_the_index
run_case progress_only_on_a_terminal case_progress_only_on_a_terminal
finish
