#!/usr/bin/env bash
# The stat cache: files older than the racy window are remembered by their
# stat, and every change of content is still noticed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# remembered FILE: the stat cache holds FILE's content digest (its 32 bytes,
# see src/store/stat_cache_file.hpp) — for a file of unique content, that
# FILE was remembered.
remembered() {
    python3 - "$FLECHE_DIR/stat-cache" "$(sha256sum <"$1" | cut -c1-64)" <<'PY'
import sys
try:
    data = open(sys.argv[1], "rb").read()
except FileNotFoundError:
    sys.exit(1)
sys.exit(0 if bytes.fromhex(sys.argv[2]) in data else 1)
PY
}

# damage_digest FILE: flips a byte of FILE's digest in the stat cache, as a
# torn or damaged slot would.
damage_digest() {
    python3 - "$FLECHE_DIR/stat-cache" "$(sha256sum <"$1" | cut -c1-64)" <<'PY'
import sys
path, digest = sys.argv[1], bytes.fromhex(sys.argv[2])
data = bytearray(open(path, "rb").read())
at = data.find(digest)
assert at >= 0, "digest not in the stat cache"
data[at + 5] ^= 0x40
open(path, "r+b").write(data)
PY
}

case_remembered_and_still_correct() {
    make_counted tool 'cat data.txt; cat dir/nested.txt'
    printf 'alpha\n' >data.txt
    mkdir dir
    printf 'one\n' >dir/nested.txt
    touch -r data.txt ref
    # Digests are remembered only for files older than the racy window (2 s);
    # the test hook shrinks it to nothing instead of waiting (see test_hook.hpp).
    export FLECHE_TEST_RACY_NS=0
    capture r1 fl run -i data.txt -i dir -- ./tool
    assert_eq $'alpha\none' "$(cat r1.out)"
    remembered data.txt || fail "input remembered"
    remembered dir/nested.txt || fail "file inside a directory input remembered"
    remembered tool || fail "the tool remembered"

    # Same content, new mtime: a hit.
    touch data.txt
    capture r2 fl run -i data.txt -i dir -- ./tool
    assert_runs tool 1 "touching an input keeps the hit"

    # One byte changed, size and mtime put back: a miss all the same.
    printf 'alphA\n' >data.txt
    touch -r ref data.txt
    capture r3 fl run -i data.txt -i dir -- ./tool
    assert_eq $'alphA\none' "$(cat r3.out)" "changed input seen"
    assert_runs tool 2

    printf 'onE\n' >dir/nested.txt
    touch -r ref dir/nested.txt
    capture r4 fl run -i data.txt -i dir -- ./tool
    assert_eq $'alphA\nonE' "$(cat r4.out)" "changed file in a directory input seen"
    assert_runs tool 3
}

case_fresh_files_are_not_remembered() {
    make_counted tool 'cat data.txt'
    printf 'x\n' >data.txt
    capture r1 fl run -i data.txt -- ./tool
    if remembered data.txt; then
        fail "a file written just now must not be remembered (racy)"
    fi
}

# Content changed, then size and mtime put back with touch -d: only ctime
# tells, and it must.
case_new_ctime_is_rehashed() {
    make_counted tool 'cat data.txt'
    printf 'first\n' >data.txt
    touch -d '2020-01-02 03:04:05.123456789' data.txt
    export FLECHE_TEST_RACY_NS=0
    fl run -i data.txt -- ./tool >/dev/null
    remembered data.txt || fail "input remembered"
    printf 'other\n' >data.txt
    touch -d '2020-01-02 03:04:05.123456789' data.txt
    capture r fl run -i data.txt -- ./tool
    assert_eq $'other' "$(cat r.out)" "the new content, not the remembered digest's entry"
    assert_runs tool 2 "same size and mtime, new ctime: a miss"
}

# A slot whose check fails is a miss: the file is hashed again and the hit
# is found by its true digest. A stat cache of garbage, or cut short, is
# ignored and replaced, with no word to the user.
case_damaged_stat_cache_is_ignored() {
    make_counted tool 'cat data.txt'
    printf 'alpha\n' >data.txt
    touch -d '1 minute ago' data.txt
    export FLECHE_TEST_RACY_NS=0
    fl run -i data.txt -- ./tool >/dev/null
    damage_digest data.txt
    capture r1 fl run -i data.txt -- ./tool
    assert_file_content r1.out $'alpha\n'
    assert_file_content r1.err ''
    assert_runs tool 1 "a damaged slot is re-hashed, not believed"

    local size
    size=$(stat -c %s "$FLECHE_DIR/stat-cache")
    head -c "$size" /dev/urandom >"$FLECHE_DIR/stat-cache"
    capture r2 fl run -i data.txt -- ./tool
    assert_file_content r2.out $'alpha\n'
    assert_file_content r2.err '' "garbage of the right size: no warning"
    assert_runs tool 1
    remembered data.txt || fail "a garbage stat cache is replaced"

    truncate -s 1000 "$FLECHE_DIR/stat-cache"
    capture r3 fl run -i data.txt -- ./tool
    assert_file_content r3.out $'alpha\n'
    assert_file_content r3.err '' "a truncated stat cache: no warning"
    assert_runs tool 1
    remembered data.txt || fail "a truncated stat cache is replaced"
}

# A writer killed in the middle of a slot leaves it odd: a miss, never the
# half-written digest.
case_writer_killed_in_a_slot() {
    make_counted tool 'cat data.txt'
    printf 'alpha\n' >data.txt
    export FLECHE_TEST_RACY_NS=0
    fl run -- true
    capture k env FLECHE_TEST_KILL_POINT=stat-cache-slot "$FLECHE_BIN" run -i data.txt -- ./tool
    assert_eq 137 "$RC" "killed while writing a slot"
    capture r fl run -i data.txt -- ./tool
    assert_file_content r.out $'alpha\n'
    assert_file_content r.err ''
    remembered data.txt || fail "remembered by the next run"
    capture r2 fl run -i data.txt -- ./tool
    assert_runs tool 1 "then a hit"
}

# FLECHE_READONLY: digests are looked up, never written.
case_readonly_writes_no_stat_cache() {
    printf 'alpha\n' >data.txt
    export FLECHE_TEST_RACY_NS=0
    fl run -- true
    rm -f "$FLECHE_DIR/stat-cache"
    FLECHE_READONLY=1 fl run -i data.txt -- cat data.txt >/dev/null
    [[ ! -e $FLECHE_DIR/stat-cache ]] || fail "FLECHE_READONLY wrote the stat cache"
}

# Inputs large enough are hashed on several threads: the digests in the key
# record must be those sha256sum computes, file by file.
case_parallel_hashing_gives_the_same_digests() {
    mkdir big
    local i
    for i in 1 2 3 4; do head -c 3000000 /dev/urandom >"big/part$i"; done
    mkdir big/sub
    head -c 3000000 /dev/urandom >big/sub/deep
    fl run -i 'big/part*' -i big/sub -- true
    local key
    key=$(fl digest -i 'big/part*' -i big/sub -- true)
    fl show "$key" --json >shown.json
    python3 - <<'PY' >digests
import json
for i in json.load(open("shown.json"))["key_record"]["inputs"]:
    print(i["path"], i["kind"], i["digest"])
PY
    for i in 1 2 3 4; do
        assert_file_has_line digests "big/part$i file $(sha256sum <"big/part$i" | cut -c1-64)" "digest of part$i"
    done
    # the directory's digest covers its file: changing it changes the key
    printf x >>big/sub/deep
    assert_ne "$key" "$(fl digest -i 'big/part*' -i big/sub -- true)" "a changed file in a big directory input"
}

run_case remembered_and_still_correct case_remembered_and_still_correct
run_case fresh_files_are_not_remembered case_fresh_files_are_not_remembered
run_case new_ctime_is_rehashed case_new_ctime_is_rehashed
run_case damaged_stat_cache_is_ignored case_damaged_stat_cache_is_ignored
run_case writer_killed_in_a_slot case_writer_killed_in_a_slot
run_case readonly_writes_no_stat_cache case_readonly_writes_no_stat_cache
run_case parallel_hashing_gives_the_same_digests case_parallel_hashing_gives_the_same_digests
finish
