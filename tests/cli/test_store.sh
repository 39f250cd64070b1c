#!/usr/bin/env bash
# The store: location, layout, SQLite index, and robustness against damage.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A command with stdout, stderr and an output file, to store and damage.
make_gen() {
    head -c 30000 /dev/urandom >payload.bin
    make_counted gen 'cat payload.bin; echo "to stderr" >&2; cp payload.bin out.bin; echo done'
    cp payload.bin want.out
    echo 'done' >>want.out
    printf 'to stderr\n' >want.err
}

# check_gen_result PREFIX: the run PREFIX produced the correct output.
check_gen_result() {
    assert_file_eq want.out "$1.out" "$1: stdout"
    strip_fleche "$1.err" >"$1.err.cmd"
    assert_file_eq want.err "$1.err.cmd" "$1: CMD's stderr"
    assert_file_eq payload.bin out.bin "$1: output file"
}

case_layout() {
    make_gen
    [[ ! -e "$FLECHE_DIR" ]] || fail "fixture: store exists before the first run"
    capture r1 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    check_gen_result r1
    [[ -d "$FLECHE_DIR" ]] || fail "store not created at FLECHE_DIR=$FLECHE_DIR"
    assert_eq 700 "$(stat -c %a "$FLECHE_DIR")" "store directory mode"
    [[ -f "$FLECHE_DIR/index.sqlite" ]] || fail "no index.sqlite in the store"
    [[ -d "$FLECHE_DIR/objects" ]] || fail "no objects/ in the store"
    [[ -d "$FLECHE_DIR/tmp" ]] || fail "no tmp/ in the store"
    [[ -d "$FLECHE_DIR/locks" ]] || fail "no locks/ in the store"
    [[ -d "$FLECHE_DIR/entries" ]] || fail "no entries/ in the store"
    local blobs
    blobs=$(cd "$FLECHE_DIR" && find objects -type f | sort)
    [[ -n "$blobs" ]] || fail "no blob under objects/"
    local b
    while IFS= read -r b; do
        [[ "$b" =~ ^objects/[0-9a-f]{2}/[0-9a-f]{62}$ ]] || fail "blob path $b is not objects/ab/cdef... (SHA-256)"
        assert_eq FLCB "$(head -c 4 "$FLECHE_DIR/$b")" "blob $b header magic"
    done <<<"$blobs"
    assert_eq wal "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA journal_mode')" "index journal mode"
    assert_eq 4 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version')" "index user_version"
    # The 30 kB random (incompressible) output file must be stored as a blob.
    local total
    total=$(cd "$FLECHE_DIR" && cat $blobs | wc -c)
    [[ $total -ge 30000 ]] || fail "blobs hold only $total bytes for a 30 kB random output file"
    # And it is a hit.
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen
    check_gen_result r2
    assert_runs gen 1
}

case_xdg_cache_home() {
    unset FLECHE_DIR
    export XDG_CACHE_HOME=$AUX/xdg
    export HOME=$AUX/home-unused
    mkdir -p "$XDG_CACHE_HOME"
    make_counted c 'echo xdg'
    fl run -- ./c >r1.out
    [[ -f "$XDG_CACHE_HOME/fleche/index.sqlite" ]] || fail "store not at \$XDG_CACHE_HOME/fleche"
    assert_eq 700 "$(stat -c %a "$XDG_CACHE_HOME/fleche")" "store mode"
    [[ ! -e "$HOME/.cache/fleche" ]] || fail "HOME store used although XDG_CACHE_HOME is set"
    fl run -- ./c >r2.out
    assert_runs c 1 "hit from the XDG store"
    assert_file_content r2.out $'xdg\n'
}

case_home_fallback() {
    unset FLECHE_DIR XDG_CACHE_HOME
    export HOME=$AUX/home
    mkdir -p "$HOME"
    make_counted c 'echo home'
    fl run -- ./c >r1.out
    [[ -f "$HOME/.cache/fleche/index.sqlite" ]] || fail "store not at ~/.cache/fleche"
    assert_eq 700 "$(stat -c %a "$HOME/.cache/fleche")" "store mode"
    fl run -- ./c >r2.out
    assert_runs c 1 "hit from the HOME store"
    assert_file_content r2.out $'home\n'
}

case_fleche_dir_wins() {
    export XDG_CACHE_HOME=$AUX/xdg
    export HOME=$AUX/home
    make_counted c 'echo x'
    fl run -- ./c >/dev/null
    [[ -f "$FLECHE_DIR/index.sqlite" ]] || fail "FLECHE_DIR not used"
    [[ ! -e "$XDG_CACHE_HOME/fleche" ]] || fail "XDG store used although FLECHE_DIR is set"
    [[ ! -e "$HOME/.cache/fleche" ]] || fail "HOME store used although FLECHE_DIR is set"
    # Another FLECHE_DIR is another store.
    FLECHE_DIR=$AUX/other fl run -- ./c >/dev/null
    assert_runs c 2 "a different FLECHE_DIR does not see the first store"
}

# damage_then_check DESC: after the blobs were damaged, a run warns, re-runs
# CMD with correct results, re-stores, and the next run is a clean hit.
damage_then_check() {
    local desc=$1 before
    before=$(runs gen)
    rm -f out.bin
    capture d1 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$desc: exit code"
    check_gen_result d1
    assert_runs gen $((before + 1)) "$desc: CMD must run again"
    # The README promises one warning line for a damaged blob, not one per blob or per attempt.
    assert_eq 1 "$(grep -c '^fleche: warning: ' d1.err)" "$desc: exactly one warning line: $(cat d1.err)"
    rm -f out.bin
    capture d2 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$desc: exit code of the next run"
    check_gen_result d2
    assert_runs gen $((before + 1)) "$desc: the entry was stored again (hit)"
    assert_file_eq want.err d2.err "$desc: next run is a clean hit (no warning)"
    # The damaged copies were replaced: nothing left for verify to find.
    capture v fl verify
    assert_eq 0 "$RC" "$desc: verify after the repair run: $(cat v.out)"
}

store_then_list_blobs() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    assert_runs gen 1 "fixture: stored"
    find "$FLECHE_DIR/objects" -type f | sort >blobs.txt
    [[ -s blobs.txt ]] || fail "no blobs stored"
}

case_flipped_byte() {
    store_then_list_blobs
    local b size
    while IFS= read -r b; do
        size=$(stat -c %s "$b")
        chmod u+w "$b"
        flip_byte "$b" $((size / 2))
    done <blobs.txt
    damage_then_check "flipped byte in the middle of every blob"
}

case_flipped_last_byte() {
    store_then_list_blobs
    local b size
    while IFS= read -r b; do
        size=$(stat -c %s "$b")
        chmod u+w "$b"
        flip_byte "$b" $((size - 1))
    done <blobs.txt
    damage_then_check "flipped last byte of every blob"
}

# entry_blobs: the paths of the blobs the stored entry uses now, sorted.
entry_blobs() {
    local digest
    sqlite3 "$FLECHE_DIR/index.sqlite" \
        "SELECT log_blob FROM entries UNION SELECT blob FROM outputs WHERE blob <> ''" |
        sort | while IFS= read -r digest; do
        echo "$FLECHE_DIR/objects/${digest:0:2}/${digest:2}"
    done
}

case_flipped_byte_one_blob_at_a_time() {
    store_then_list_blobs
    local b size i n
    n=$(entry_blobs | wc -l)
    [[ $n -ge 2 ]] || fail "fixture: the entry should use a log and an output blob"
    for ((i = 1; i <= n; i++)); do
        # Listed again each time: the repair run may store another log (its
        # stdout and stderr chunks can interleave differently), and damaging
        # the orphaned old one would test nothing.
        b=$(entry_blobs | sed -n "${i}p")
        size=$(stat -c %s "$b")
        chmod u+w "$b"
        flip_byte "$b" $((size > 8 ? size - 5 : size - 1))
        damage_then_check "flipped byte in blob $i"
    done
}

case_truncated_blob() {
    store_then_list_blobs
    local b size
    while IFS= read -r b; do
        size=$(stat -c %s "$b")
        chmod u+w "$b"
        truncate -s $((size / 2)) "$b"
    done <blobs.txt
    damage_then_check "every blob truncated to half"
}

case_empty_blob() {
    store_then_list_blobs
    local b
    while IFS= read -r b; do
        chmod u+w "$b"
        : >"$b"
    done <blobs.txt
    damage_then_check "every blob truncated to 0 bytes"
}

case_deleted_blob() {
    store_then_list_blobs
    local b
    while IFS= read -r b; do
        rm -f "$b"
    done <blobs.txt
    damage_then_check "every blob deleted"
}

case_has_with_damaged_blob() {
    # has must not promise a replay that cannot happen... at least run must not
    # replay wrongly; has is allowed to answer from the index.  After the repair
    # run, has answers 0.
    store_then_list_blobs
    local b
    while IFS= read -r b; do rm -f "$b"; done <blobs.txt
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    assert_exit 0 fl has -o out.bin -- ./gen
}

# broken_store_run DESC: the store cannot be used; CMD runs, results reach the
# user, exactly one warning line; nothing is cached.
broken_store_run() {
    local desc=$1 before
    before=$(runs gen)
    rm -f out.bin
    capture b1 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$desc: exit code"
    check_gen_result b1
    assert_runs gen $((before + 1)) "$desc: CMD runs"
    assert_eq 1 "$(grep -c '^fleche: warning: ' b1.err)" "$desc: exactly one warning line: $(fleche_lines b1.err)"
    assert_eq 1 "$(fleche_lines b1.err | wc -l)" "$desc: nothing else from fleche"
    # Non-zero exit codes pass through too.
    make_counted failing 'echo partial; exit 5'
    capture b2 fl run -- ./failing
    assert_eq 5 "$RC" "$desc: exit code 5 passes through"
    assert_eq "partial" "$(cat b2.out)" "$desc: stdout of a failing run"
    capture b3 fl run --cache-failures -- ./failing
    assert_eq 5 "$RC" "$desc: exit code 5 with --cache-failures"
    assert_eq "partial" "$(cat b3.out)"
}

# index_unusable_run DESC: the index cannot be opened, but the entry files
# serve: ./gen, stored, replays without running and without a word from fleche.
index_unusable_run() {
    local before
    before=$(runs gen)
    rm -f out.bin
    capture u fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$1: exit code"
    check_gen_result u
    assert_runs gen "$before" "$1: a hit from the entry file"
    assert_eq 0 "$(fleche_lines u.err | wc -l)" "$1: nothing from fleche: $(fleche_lines u.err)"
}

# rebuilt_store_run DESC: the index was unusable; the first run rebuilds it
# with exactly one warning, CMD's result reaches the user, and the store works
# again: the next run is a hit and says nothing.
rebuilt_store_run() {
    local desc=$1 before
    before=$(runs gen)
    rm -f out.bin
    capture b1 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$desc: exit code"
    check_gen_result b1
    assert_eq 1 "$(grep -c '^fleche: warning: ' b1.err)" "$desc: exactly one warning line: $(fleche_lines b1.err)"
    assert_eq 1 "$(fleche_lines b1.err | wc -l)" "$desc: nothing else from fleche"
    assert_file_contains b1.err "moved it to '$FLECHE_DIR/index.sqlite.damaged-"
    before=$(runs gen)
    rm -f out.bin
    capture b2 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "$desc: second run"
    check_gen_result b2
    assert_runs gen "$before" "$desc: the second run is a hit"
    assert_eq "" "$(fleche_lines b2.err)" "$desc: the second run says nothing"
}

case_garbage_index() {
    make_gen
    mkdir -p "$FLECHE_DIR"
    chmod 700 "$FLECHE_DIR"
    { echo "this is not a database"; head -c 8000 /dev/urandom; } >"$FLECHE_DIR/index.sqlite"
    cp "$FLECHE_DIR/index.sqlite" garbage.ref
    rebuilt_store_run "garbage index.sqlite"
    assert_file_eq garbage.ref "$(echo "$FLECHE_DIR"/index.sqlite.damaged-*Z)" "the garbage index is kept aside, unchanged"
}

case_garbage_index_after_use() {
    # A store that worked, then its index got garbled.
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    head -c 4096 /dev/urandom >"$FLECHE_DIR/index.sqlite"
    rm -f "$FLECHE_DIR/index.sqlite-wal" "$FLECHE_DIR/index.sqlite-shm"
    cp "$FLECHE_DIR/index.sqlite" garbage.ref
    index_unusable_run "index garbled after use"
    assert_file_eq garbage.ref "$FLECHE_DIR/index.sqlite" "the garbage index must never be overwritten"
}

case_newer_schema() {
    make_gen
    fl run -o out.bin -- ./gen >/dev/null 2>&1
    assert_runs gen 1
    sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version=99' >/dev/null
    assert_eq 99 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version')" "fixture"
    cp "$FLECHE_DIR/index.sqlite" index.ref
    index_unusable_run "index with user_version 99"
    assert_eq 99 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA user_version')" "user_version untouched"
    assert_file_eq index.ref "$FLECHE_DIR/index.sqlite" "an index with a newer schema must never be overwritten"
}

case_store_cannot_be_created() {
    make_gen
    export FLECHE_DIR=/dev/null/x
    broken_store_run "FLECHE_DIR=/dev/null/x"
}

case_store_under_regular_file() {
    make_gen
    echo file >plainfile
    export FLECHE_DIR=$PWD/plainfile/store
    broken_store_run "FLECHE_DIR under a regular file"
    assert_file_content plainfile $'file\n' "the regular file is untouched"
}

# try_mount ARGS...: mount, or skip the case where this machine does not let us.
try_mount() {
    mount "$@" 2>"$AUX/mount.err" || skip "cannot mount here: $(head -c 200 "$AUX/mount.err")"
}

case_store_read_only() {
    make_gen
    make_counted warm 'echo warm'
    fl run -- ./warm >/dev/null
    if [[ $(id -u) == 0 ]]; then
        # Root writes through permissions: make the store a read-only mount.
        try_mount --bind "$FLECHE_DIR" "$FLECHE_DIR"
        trap 'umount "$FLECHE_DIR"' EXIT
        mount -o remount,bind,ro "$FLECHE_DIR"
    else
        chmod -R a-w "$FLECHE_DIR"
        trap 'chmod -R u+w "$FLECHE_DIR"' EXIT
    fi
    touch "$FLECHE_DIR/probe" 2>/dev/null && fail "fixture: the store is still writable"
    broken_store_run "read-only store"
}

case_store_full() {
    [[ $(id -u) == 0 ]] || skip "mounting a small file system needs root"
    make_counted big 'head -c 3000000 payload; echo "to stderr" >&2; exit 0'
    head -c 3000000 /dev/urandom >payload
    mkdir full
    try_mount -t tmpfs -o size=8m tmpfs full
    trap 'umount "$PWD/full"' EXIT
    export FLECHE_DIR=$PWD/full/store
    # A first run creates the store; then fill what is left of the disk.
    make_counted small 'echo small'
    fl run -- ./small >/dev/null
    head -c 10000000 /dev/zero >full/filler 2>/dev/null || true
    capture r1 fl run -- ./big
    assert_eq 0 "$RC" "exit code on a full disk"
    assert_file_eq payload r1.out "stdout on a full disk"
    assert_eq "to stderr" "$(strip_fleche r1.err)" "stderr on a full disk"
    assert_eq 1 "$(grep -c '^fleche: warning: ' r1.err)" "one warning: $(fleche_lines r1.err)"
    assert_eq 0 "$(find "$FLECHE_DIR/tmp" -type f | wc -l)" "no temporary file left"
    # Nothing half-stored: the next run runs again; once there is room it is stored.
    rm full/filler
    assert_eq ok "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA integrity_check')" "index intact"
    assert_exit 0 fl verify
    capture r2 fl run -- ./big
    assert_file_eq payload r2.out
    capture r3 fl run -- ./big
    assert_file_eq payload r3.out
    assert_runs big 2
    # And the entry stored before the disk filled up still replays.
    capture r4 fl run -- ./small
    assert_eq small "$(cat r4.out)"
    assert_runs small 1
}

case_digest_without_store() {
    make_counted c 'true'
    local d
    d=$(fl digest -- ./c)
    capture r env FLECHE_DIR=/dev/null/x "$FLECHE_BIN" digest -- ./c
    assert_eq 0 "$RC" "digest does not need a store"
    assert_eq "$d" "$(head -n 1 r.out)" "same digest"
}

case_persistence_many_entries() {
    make_counted c 'echo "value $1"'
    local i
    for i in $(seq 1 30); do
        fl run -- ./c "$i" >/dev/null
    done
    for i in $(seq 1 30); do
        capture r fl run -- ./c "$i"
        assert_file_content r.out "value $i"$'\n' "entry $i"
    done
    assert_runs c 30 "30 entries stored and replayed"
    assert_eq ok "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA integrity_check')" "index integrity"
}

# The look-up after taking the lock finds the same damaged entry again: it
# must not warn about it, or count it, a second time.
case_damaged_log_warns_once() {
    make_counted c 'echo "a line long enough to be worth compressing, or not"'
    fl run -- ./c >/dev/null
    local key blob
    key=$(fl digest -- ./c)
    blob=$(sqlite3 "$FLECHE_DIR/index.sqlite" "SELECT log_blob FROM entries WHERE key = '$key'")
    local path=$FLECHE_DIR/objects/${blob:0:2}/${blob:2}
    [[ -f "$path" ]] || fail "fixture: no log blob at $path"
    flip_byte "$path" $(($(stat -c %s "$path") - 1))
    capture d fl run -- ./c
    assert_eq 0 "$RC"
    assert_file_content d.out $'a line long enough to be worth compressing, or not\n'
    assert_runs c 2 "a damaged log is a miss"
    assert_eq 1 "$(fleche_lines d.err | wc -l)" "one warning for one damaged entry: $(cat d.err)"
    assert_file_contains d.err "fleche: warning: "
    fl stats --json >s.json
    assert_eq 1 "$(python3 -c 'import json; print(json.load(open("s.json"))["errors"])')" \
        "one damaged entry counts one error"
}

run_case layout case_layout
run_case xdg_cache_home case_xdg_cache_home
run_case home_fallback case_home_fallback
run_case fleche_dir_wins case_fleche_dir_wins
run_case flipped_byte case_flipped_byte
run_case flipped_last_byte case_flipped_last_byte
run_case flipped_byte_one_blob_at_a_time case_flipped_byte_one_blob_at_a_time
run_case truncated_blob case_truncated_blob
run_case empty_blob case_empty_blob
run_case deleted_blob case_deleted_blob
run_case has_after_repair case_has_with_damaged_blob
run_case garbage_index case_garbage_index
run_case garbage_index_after_use case_garbage_index_after_use
run_case newer_schema case_newer_schema
run_case store_cannot_be_created case_store_cannot_be_created
run_case store_under_regular_file case_store_under_regular_file
run_case store_read_only case_store_read_only
run_case store_full case_store_full
run_case digest_without_store case_digest_without_store
run_case persistence_many_entries case_persistence_many_entries
run_case damaged_log_warns_once case_damaged_log_warns_once
finish
