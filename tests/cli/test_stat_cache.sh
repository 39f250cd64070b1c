#!/usr/bin/env bash
# The stat cache: files older than the racy window are remembered by their
# stat, and every change of content is still noticed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cached_paths() {
    sqlite3 "$FLECHE_DIR/index.sqlite" 'SELECT path FROM stat_cache ORDER BY path'
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
    cached_paths >cached
    assert_file_has_line cached "$PWD/data.txt" "input remembered"
    assert_file_has_line cached "$PWD/dir/nested.txt" "file inside a directory input remembered"
    assert_file_has_line cached "$PWD/tool" "the tool remembered"

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
    cached_paths >cached
    if grep -qxF "$PWD/data.txt" cached; then
        fail "a file written just now must not be remembered (racy)"
    fi
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
run_case parallel_hashing_gives_the_same_digests case_parallel_hashing_gives_the_same_digests
finish
