#!/usr/bin/env bash
# The index is derived from the entries: a damaged, newer or missing
# index.sqlite is moved aside and rebuilt with one warning, whatever command
# opens the store first; a read-only run moves nothing; a 0.1 store (entries in
# the index alone) is migrated once. See src/store/index_open.hpp.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

query_count() {
    fl query --keys | wc -l | tr -d ' '
}

# store_two: two entries, one with a tag and an output file.
store_two() {
    make_counted a 'echo made a; echo a >a.out'
    make_counted b 'echo made b'
    fl run --tag team=x -o a.out -- ./a >/dev/null
    fl run -- ./b >/dev/null
    assert_eq 2 "$(query_count)" "fixture: two entries"
}

garble_index() {
    { echo "this is not a database"; head -c 8000 /dev/urandom; } >"$FLECHE_DIR/index.sqlite"
    rm -f "$FLECHE_DIR/index.sqlite-wal" "$FLECHE_DIR/index.sqlite-shm"
}

aside_files() {
    (cd "$FLECHE_DIR" && find . -maxdepth 1 -name 'index.sqlite.damaged-*Z' | sort)
}

# The entries after a rebuild: every stored entry is back, from its file.
check_entries_after_rebuild() {
    assert_eq "$(entry_file_count)" "$(query_count)" "every entry file is in the rebuilt index"
    assert_eq 2 "$(query_count)" "the entries of the damaged index come back"
    assert_eq 1 "$(fl query --tag team=x --keys | wc -l | tr -d ' ')" "with their tags"
}

# first_command CMD...: garbage in the index, then CMD first and every other
# command after it: each succeeds, one warning in all, from the first.
first_command() {
    store_two
    garble_index
    cp "$FLECHE_DIR/index.sqlite" garbage.ref
    local cmd i=0 all=$AUX/all.err
    : >"$all"
    for cmd in "$*" "run -- ./b" "gc" "stats" "verify --repair" "query" "run -o a.out -- ./a"; do
        i=$((i + 1))
        # shellcheck disable=SC2086
        capture c$i fl $cmd
        assert_eq 0 "$RC" "fleche $cmd (command $i) after a garbage index: $(cat c$i.err)"
        cat c$i.err >>"$all"
    done
    assert_eq 1 "$(grep -c '^fleche: warning: ' "$all")" "one warning in all: $(fleche_lines "$all")"
    assert_eq 1 "$(fleche_lines c1.err | wc -l)" "the warning comes from the first command"
    local aside
    aside=$(aside_files)
    assert_eq ./index.sqlite.damaged-20 "${aside:0:25}" "the damaged index is kept aside: $aside"
    assert_eq 1 "$(echo "$aside" | wc -l)" "one file aside (no -wal, -shm)"
    assert_file_contains c1.err "index.sqlite' is damaged (file is not a database); moved it to '$FLECHE_DIR/${aside#./}' and rebuilt it from"
    assert_file_eq garbage.ref "$FLECHE_DIR/${aside#./}" "the damaged index is moved, not changed"
    assert_eq ok "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA integrity_check')" "the new index is sound"
    check_entries_after_rebuild
    capture v fl verify
    assert_eq 0 "$RC" "verify is clean after the rebuild: $(cat v.out v.err)"
}

# A run that stores (a hit never opens the index).
case_garbage_then_run() { first_command run --refresh --tag team=x -o a.out -- ./a; }
case_garbage_then_gc() { first_command gc; }
case_garbage_then_stats() { first_command stats; }
case_garbage_then_verify_repair() { first_command verify --repair; }
case_garbage_then_query() { first_command query; }

case_newer_schema_is_moved_aside() {
    store_two
    sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version=99' >/dev/null
    capture s fl stats
    assert_eq 0 "$RC" "stats: $(cat s.err)"
    assert_eq 1 "$(fleche_lines s.err | wc -l)" "one line: $(cat s.err)"
    assert_file_contains s.err "has schema version 99, newer than this fleche understands (4); moved it to"
    assert_eq 99 "$(sqlite3 "$FLECHE_DIR/$(aside_files)" 'PRAGMA user_version')" "the newer index is kept aside"
    assert_eq 4 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version')" "a new index of this version"
}

case_a_table_missing_is_damage() {
    store_two
    sqlite3 "$FLECHE_DIR/index.sqlite" 'DROP TABLE tags' >/dev/null
    capture q fl query
    assert_eq 0 "$RC" "query: $(cat q.err)"
    assert_file_contains q.err "lacks tables or columns of schema version 4"
    capture q2 fl query --tag team=x
    assert_eq 0 "$RC"
    assert_eq "" "$(fleche_lines q2.err)" "the second command says nothing"
}

case_only_the_latest_damaged_index_is_kept() {
    store_two
    garble_index
    local old=$FLECHE_DIR/index.sqlite.damaged-20000101T000000Z
    echo old >"$old"
    echo old >"$old-wal"
    capture s fl stats
    assert_eq 0 "$RC"
    local aside
    aside=$(aside_files)
    assert_eq 1 "$(echo "$aside" | wc -l)" "one file aside: $aside"
    assert_ne ./index.sqlite.damaged-20000101T000000Z "$aside" "the latest one"
    [[ ! -e $old-wal ]] || fail "the -wal of the earlier one is deleted too"
}

case_read_only_moves_nothing() {
    store_two
    garble_index
    cp "$FLECHE_DIR/index.sqlite" garbage.ref
    local before
    before=$(runs b)
    # A hit needs no index.
    capture r env FLECHE_READONLY=1 "$FLECHE_BIN" run -- ./b
    assert_eq 0 "$RC"
    assert_file_content r.out $'made b\n' "the command's output"
    assert_eq "$before" "$(runs b)" "a hit from the entry file"
    assert_eq "" "$(fleche_lines r.err)" "a hit says nothing"
    # A command that needs it runs without it.
    capture q env FLECHE_READONLY=1 "$FLECHE_BIN" stats
    assert_eq 1 "$(fleche_lines q.err | wc -l)" "one line: $(cat q.err)"
    assert_file_contains q.err "index.sqlite' is damaged (file is not a database)"
    assert_file_eq garbage.ref "$FLECHE_DIR/index.sqlite" "read-only: the index is not touched"
    assert_eq "" "$(aside_files)" "read-only: nothing moved aside"
    [[ ! -e $FLECHE_DIR/index.sqlite-wal ]] || fail "read-only: a -wal was created"
}

case_missing_index() {
    store_two
    rm -f "$FLECHE_DIR"/index.sqlite*
    capture r fl run -- ./b
    assert_eq 0 "$RC"
    assert_file_content r.out $'made b\n'
    assert_eq 1 "$(runs b)" "a hit from the entry files"
    assert_eq "" "$(fleche_lines r.err)" "a hit needs no index"
    capture q fl stats
    assert_file_contains q.err "index.sqlite' was missing; rebuilt it from 2 entries"
    assert_eq 2 "$(query_count)"
}

# A 0.1 store: index.sqlite of schema version 1 holding the entries, no
# entries/ and no format file. Built with sqlite3 from the rows this fleche
# stored, in the tables of version 1.
case_a_0_1_store_is_migrated() {
    store_two
    local cols="key, key_record, name, command, exit_code, log_blob, log_size, outputs_size,
        started_ns, stopped_ns, user_ns, system_ns, max_rss_kb, host, user, cwd, fleche_version,
        hits, last_use_ns"
    sqlite3 old.sqlite "
CREATE TABLE entries(key TEXT PRIMARY KEY NOT NULL, key_record TEXT NOT NULL, name TEXT NOT NULL,
  command TEXT NOT NULL, exit_code INTEGER NOT NULL, log_blob TEXT NOT NULL,
  log_size INTEGER NOT NULL, outputs_size INTEGER NOT NULL, started_ns INTEGER NOT NULL,
  stopped_ns INTEGER NOT NULL, user_ns INTEGER NOT NULL, system_ns INTEGER NOT NULL,
  max_rss_kb INTEGER NOT NULL, host TEXT NOT NULL, user TEXT NOT NULL, cwd TEXT NOT NULL,
  fleche_version TEXT NOT NULL, hits INTEGER NOT NULL DEFAULT 0, last_use_ns INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX entries_last_use ON entries(last_use_ns);
CREATE TABLE outputs(key TEXT NOT NULL, path TEXT NOT NULL, type INTEGER NOT NULL,
  executable INTEGER NOT NULL, blob TEXT, target TEXT, size INTEGER NOT NULL,
  PRIMARY KEY(key, path)) WITHOUT ROWID;
CREATE INDEX outputs_blob ON outputs(blob);
CREATE TABLE stat_cache(path TEXT PRIMARY KEY NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,
  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
  digest TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE tags(key TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(key, name)) WITHOUT ROWID;
CREATE INDEX tags_name ON tags(name, value);
CREATE INDEX entries_name ON entries(name);
CREATE INDEX entries_started ON entries(started_ns);
CREATE TABLE counters(name TEXT NOT NULL, shard INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0,
  misses INTEGER NOT NULL DEFAULT 0, stored INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0, saved_ns INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(name, shard)) WITHOUT ROWID;
ATTACH '$FLECHE_DIR/index.sqlite' AS current;
INSERT INTO entries SELECT $cols FROM current.entries;
INSERT INTO outputs SELECT key, path, type, executable, blob, target, size FROM current.outputs;
INSERT INTO tags SELECT key, name, value FROM current.tags;
PRAGMA user_version = 1;"
    rm -rf "$FLECHE_DIR"/index.sqlite* "$FLECHE_DIR/entries" "$FLECHE_DIR/format"
    mv old.sqlite "$FLECHE_DIR/index.sqlite"
    rm -f a.out
    capture r fl run -o a.out -- ./a
    assert_eq 0 "$RC"
    assert_file_content r.out $'made a\n' "replayed stdout"
    assert_file_content a.out $'a\n' "replayed output file"
    assert_eq 1 "$(runs a)" "an entry of the 0.1 store hits"
    assert_eq "" "$(fleche_lines r.err)" "the migration says nothing when it works"
    assert_eq 4 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version')" "the index is of version 4"
    assert_eq 1 "$(fl query --tag team=x --keys | wc -l | tr -d ' ')" "tags survive"
    assert_eq 2 "$(entry_file_count)" "one entry file per entry of the 0.1 store"
    assert_file_content "$FLECHE_DIR/format" $'fleche-store-layout 2\n' "the layout version"
    # Once: entry files removed now are not written again by a migration.
    rm -rf "$FLECHE_DIR/entries"
    make_counted c 'echo made c'
    fl run -- ./c >/dev/null
    assert_eq 1 "$(entry_file_count)" "the migration ran once"
}

run_case garbage_then_run case_garbage_then_run
run_case garbage_then_gc case_garbage_then_gc
run_case garbage_then_stats case_garbage_then_stats
run_case garbage_then_verify_repair case_garbage_then_verify_repair
run_case garbage_then_query case_garbage_then_query
run_case newer_schema_is_moved_aside case_newer_schema_is_moved_aside
run_case a_table_missing_is_damage case_a_table_missing_is_damage
run_case only_the_latest_damaged_index_is_kept case_only_the_latest_damaged_index_is_kept
run_case read_only_moves_nothing case_read_only_moves_nothing
run_case missing_index case_missing_index
run_case a_0_1_store_is_migrated case_a_0_1_store_is_migrated
finish
