#!/usr/bin/env bash
# Crash safety of the index's repair: fleche killed with SIGKILL at each point
# of moving a damaged index aside and rebuilding it, and of migrating a 0.1
# store (FLECHE_TEST_KILL_POINT, see src/util/test_hook.hpp); the next command
# works, the index is sound and verify is clean.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

store_two() {
    make_counted a 'echo made a; echo a >a.out'
    make_counted b 'echo made b'
    fl run --tag team=x -o a.out -- ./a >/dev/null
    fl run -- ./b >/dev/null
}

# consistent_after DESC: the next commands work and leave a sound index, with
# every entry file in it; no rebuild is left half done.
consistent_after() {
    local desc=$1
    capture s fl stats
    assert_eq 0 "$RC" "$desc: stats after the kill: $(cat s.err)"
    assert_le_one_warning s.err "$desc"
    capture r fl run -- ./b
    assert_eq 0 "$RC" "$desc: run after the kill"
    assert_file_content r.out $'made b\n' "$desc: run after the kill"
    assert_eq "" "$(fleche_lines r.err)" "$desc: the second command says nothing"
    assert_eq ok "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA integrity_check')" "$desc: index sound"
    capture v fl verify
    assert_eq 0 "$RC" "$desc: verify: $(cat v.out v.err)"
    assert_eq 0 "$(find "$FLECHE_DIR/tmp" -name 'index.sqlite.rebuild*' | wc -l)" "$desc: no rebuild left in tmp/"
    assert_eq "$(entry_file_count)" "$(fl query --keys | wc -l | tr -d ' ')" "$desc: every entry file is indexed"
    assert_eq 2 "$(entry_file_count)" "$desc: no entry lost"
}

assert_le_one_warning() {
    [[ $(fleche_lines "$1" | wc -l) -le 1 ]] || fail "$2: more than one line: $(fleche_lines "$1")"
}

case_kill_points_of_the_rebuild() {
    local point
    for point in index-moved-aside rebuild-begin rebuild-commit index-rebuilt; do
        export FLECHE_DIR=$AUX/store-$point
        store_two
        { echo "this is not a database"; head -c 8000 /dev/urandom; } >"$FLECHE_DIR/index.sqlite"
        rm -f "$FLECHE_DIR/index.sqlite-wal" "$FLECHE_DIR/index.sqlite-shm"
        capture k env FLECHE_TEST_KILL_POINT="$point" "$FLECHE_BIN" stats
        assert_eq 137 "$RC" "$point: fleche was killed: $(cat k.err)"
        consistent_after "$point"
    done
}

case_kill_points_of_the_migration() {
    local n
    for n in 1 2; do
        export FLECHE_DIR=$AUX/store-$n
        store_two
        # A 0.1 store: its entries in the index alone.
        rm -rf "$FLECHE_DIR/entries" "$FLECHE_DIR/format"
        capture k env FLECHE_TEST_KILL_POINT="migrate-entry@$n" "$FLECHE_BIN" stats
        assert_eq 137 "$RC" "migrate-entry@$n: fleche was killed"
        [[ ! -e $FLECHE_DIR/format ]] || fail "migrate-entry@$n: the migration is marked done"
        consistent_after "migrate-entry@$n"
        assert_file_content "$FLECHE_DIR/format" $'fleche-store-layout 2\n' "migrate-entry@$n: done now"
    done
}

run_case kill_points_of_the_rebuild case_kill_points_of_the_rebuild
run_case kill_points_of_the_migration case_kill_points_of_the_migration
finish
