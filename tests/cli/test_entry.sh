#!/usr/bin/env bash
# The entry file (entries/ab/<rest of the key>): a hit reads it and its blobs
# and no index; a damaged one is a miss with one warning, then stored again;
# rm removes it. See src/store/entry_file.hpp and src/store/entries.hpp.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A command with stdout, stderr and an output file.
make_gen() {
    head -c 20000 /dev/urandom >payload.bin
    make_counted gen 'cat payload.bin; echo "to stderr" >&2; cp payload.bin out.bin'
}

# entry_file: the path of the entry file of ./gen.
entry_file() {
    local key
    key=$(fl digest -o out.bin -- ./gen | head -n 1)
    echo "$FLECHE_DIR/entries/${key:0:2}/${key:2}"
}

# hit_cleanly DESC: a run of ./gen replays without running it, byte for
# byte, with nothing from fleche on stderr.
hit_cleanly() {
    local before
    before=$(runs gen)
    rm -f out.bin
    capture h fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$1: exit code"
    assert_runs gen "$before" "$1: replayed, CMD did not run"
    assert_file_eq payload.bin h.out "$1: stdout"
    assert_file_content h.err $'to stderr\n' "$1: stderr, no warning"
    assert_file_eq payload.bin out.bin "$1: output file"
}

case_entry_file_layout() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    local file key
    file=$(entry_file)
    key=$(fl digest -o out.bin -- ./gen | head -n 1)
    [[ -f "$file" ]] || fail "no entry file at $file"
    assert_eq "fleche-entry 1" "$(head -n 1 "$file")" "magic and format version"
    assert_eq "key $key" "$(sed -n 2p "$file")" "the key inside"
    assert_contains "$(cat "$file")" "output 7:out.bin file 0 " "the output manifest"
    assert_eq 1 "$(find "$FLECHE_DIR/entries" -type f | wc -l)" "one entry file"
    assert_eq 0 "$(find "$FLECHE_DIR/tmp" -type f | wc -l)" "no temporary file left"
}

case_hit_without_index() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    rm -f "$FLECHE_DIR"/index.sqlite*
    hit_cleanly "index.sqlite deleted"
}

# Nothing to hash (a tool identified by a string, no inputs): no stat cache
# lookup, so nothing opens, let alone creates, an index.
case_hit_creates_no_index() {
    make_gen
    printf '[run]\ntool = "string:gen 1"\n' >fleche.toml
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    rm -f "$FLECHE_DIR"/index.sqlite*
    hit_cleanly "index.sqlite deleted"
    [[ ! -e "$FLECHE_DIR/index.sqlite" ]] || fail "the hit created an index"
}

case_hit_with_garbage_index() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    rm -f "$FLECHE_DIR"/index.sqlite*
    { echo "this is not a database"; head -c 8000 /dev/urandom; } >"$FLECHE_DIR/index.sqlite"
    cp "$FLECHE_DIR/index.sqlite" garbage.ref
    hit_cleanly "garbage index.sqlite"
    hit_cleanly "garbage index.sqlite, second hit"
    assert_file_eq garbage.ref "$FLECHE_DIR/index.sqlite" "the garbage index is left alone"
}

case_hit_with_directory_as_index() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    rm -f "$FLECHE_DIR"/index.sqlite*
    mkdir "$FLECHE_DIR/index.sqlite"
    hit_cleanly "index.sqlite a directory"
}

# trace_opens FILE CMD...: CMD under strace, its opens written to FILE (not
# those of a process it starts: a detached fold of hits.log may open the index).
# LeakSanitizer cannot run under ptrace (the ASan stage of scripts/test.sh).
trace_opens() {
    local file=$1
    shift
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -e trace=open,openat,openat2 -o "$file" "$@"
}

# The hit reads the stat cache (for the tool's digest), the entry file and
# the blobs, and never opens the index.
case_hit_opens_no_index() {
    command -v strace >/dev/null || skip "strace is not installed"
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    rm -f out.bin
    trace_opens hit.trace "$FLECHE_BIN" run -o out.bin -- ./gen >h.out 2>h.err
    assert_file_eq payload.bin h.out "the hit replays"
    assert_runs gen 1 "the second run is a hit"
    assert_file_contains hit.trace "entries/" "the hit reads the entry file"
    if grep -q 'index\.sqlite' hit.trace; then
        fail "the hit opened the index: $(grep 'index\.sqlite' hit.trace | head -3)"
    fi
}

# A hit that finds hits.log large leaves folding it to a detached process:
# the hit itself opens no index, and the counts still reach it.
case_large_hit_log_folded_off_the_hit() {
    command -v strace >/dev/null || skip "strace is not installed"
    make_gen
    printf '[run]\ntool = "string:gen 1"\n' >fleche.toml
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    local key i
    key=$(fl digest -o out.bin -- ./gen | head -n 1)
    for ((i = 0; i < 16000; i++)); do echo "$key 1 1"; done >"$FLECHE_DIR/hits.log"
    [[ $(stat -c %s "$FLECHE_DIR/hits.log") -gt 1048576 ]] || fail "fixture: hits.log too small"
    rm -f out.bin
    trace_opens hit.trace "$FLECHE_BIN" run -o out.bin -- ./gen 2>h.err | cat >h.out
    assert_file_eq payload.bin h.out "the hit replays (and its stdout closes)"
    assert_runs gen 1
    if grep -q 'index\.sqlite' hit.trace; then
        fail "the hit opened the index: $(grep 'index\.sqlite' hit.trace | head -3)"
    fi
    local n=200
    while [[ -s "$FLECHE_DIR/hits.log" ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "hits.log was never folded"
        sleep 0.05
    done
    local hits=0
    while [[ $hits -lt 16001 ]]; do
        hits=$(sqlite3 "$FLECHE_DIR/index.sqlite" "SELECT hits FROM entries WHERE key = '$key'")
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "the hits were not counted: $hits"
        sleep 0.05
    done
}

# A store whose index cannot be written still stores the entry file (with
# one warning), and the next run hits from it.
case_stored_when_index_unwritable() {
    make_gen
    # A sound index that refuses every new entry (a garbage one would be
    # moved aside and rebuilt).
    fl run -- true >/dev/null
    sqlite3 "$FLECHE_DIR/index.sqlite" \
        "CREATE TRIGGER refuse BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'refused'); END;"
    capture r fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_file_eq payload.bin r.out "stdout of the storing run"
    assert_runs gen 1
    assert_eq 1 "$(grep -c '^fleche: warning: ' r.err)" "one warning: $(fleche_lines r.err)"
    assert_file_contains r.err "the entry is stored, but not in the index"
    [[ -f "$(entry_file)" ]] || fail "no entry file"
    hit_cleanly "entry stored beside an index that refused it"
}

# damaged_entry_is_a_miss DESC: the next run runs CMD with one warning, stores
# again, and the run after it hits cleanly.
damaged_entry_is_a_miss() {
    local before
    before=$(runs gen)
    rm -f out.bin
    capture d fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$1: exit code"
    assert_runs gen $((before + 1)) "$1: CMD runs again"
    assert_file_eq payload.bin d.out "$1: stdout"
    assert_file_eq payload.bin out.bin "$1: output file"
    assert_eq 1 "$(grep -c '^fleche: warning: ' d.err)" "$1: one warning: $(fleche_lines d.err)"
    assert_file_contains d.err "entry file"
    hit_cleanly "$1: stored again"
}

case_tampered_entry_file() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    local file
    file=$(entry_file)
    chmod u+w "$file"
    sed -i 's/^exit 0$/exit 1/' "$file" # well-formed, but not what was stored
    grep -q '^exit 1$' "$file" || fail "fixture: the entry was not changed"
    damaged_entry_is_a_miss "exit code changed"
    flip_byte "$file" 40
    damaged_entry_is_a_miss "a byte flipped"
    truncate -s 100 "$file"
    damaged_entry_is_a_miss "truncated"
    : >"$file"
    damaged_entry_is_a_miss "empty"
}

case_entry_of_another_key() {
    make_gen
    make_counted other 'echo other'
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    fl run -- ./other >/dev/null
    local key
    key=$(fl digest -- ./other | head -n 1)
    cp "$FLECHE_DIR/entries/${key:0:2}/${key:2}" "$(entry_file)"
    damaged_entry_is_a_miss "the entry file of another key"
}

case_rm_removes_entry_file() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    local file key
    file=$(entry_file)
    key=$(fl digest -o out.bin -- ./gen | head -n 1)
    [[ -f "$file" ]] || fail "fixture: no entry file"
    fl rm "${key:0:8}"
    [[ ! -e "$file" ]] || fail "rm left the entry file"
    assert_exit 1 fl has -o out.bin -- ./gen
    capture r fl run -o out.bin -- ./gen
    assert_runs gen 2 "after rm, CMD runs again"
}

case_query_rm_removes_entry_files() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    fl query --rm >/dev/null 2>&1
    assert_eq 0 "$(find "$FLECHE_DIR/entries" -type f | wc -l)" "query --rm left entry files"
}

run_case entry_file_layout case_entry_file_layout
run_case hit_without_index case_hit_without_index
run_case hit_creates_no_index case_hit_creates_no_index
run_case hit_with_garbage_index case_hit_with_garbage_index
run_case hit_with_directory_as_index case_hit_with_directory_as_index
run_case hit_opens_no_index case_hit_opens_no_index
run_case large_hit_log_folded_off_the_hit case_large_hit_log_folded_off_the_hit
run_case stored_when_index_unwritable case_stored_when_index_unwritable
run_case tampered_entry_file case_tampered_entry_file
run_case entry_of_another_key case_entry_of_another_key
run_case rm_removes_entry_file case_rm_removes_entry_file
run_case query_rm_removes_entry_files case_query_rm_removes_entry_files
finish
