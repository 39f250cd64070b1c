#!/usr/bin/env bash
# A store shared by a group ([store] umask, FLECHE_UMASK), who may use a store,
# and symbolic links planted in one. Users are simulated with setpriv(1):
# uid 2001 (A) and 2002 (B), both in gid 3000; the tests run as root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=2001
B=2002
GROUP=3000

need_root() {
    [[ $(id -u) -eq 0 ]] || skip "needs root to simulate users"
    command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
}

# The users must reach their folders, the tool and the store below $SCRATCH.
chmod 711 "$SCRATCH"

# as USER DIR CMD...: run CMD as uid USER (group $GROUP) in DIR, with a HOME of its own.
as() {
    local user=$1 dir=$2
    shift 2
    (cd "$dir" && HOME=$AUX/home.$user setpriv --reuid="$user" --regid=$GROUP --groups=$GROUP \
        timeout -k 5 120 "$@")
}

# A tool in a folder both users read, with stdout, stderr, an output file of
# mode 0640 and a count of its real runs; one working folder per user.
make_fixture() {
    mkdir -p "$AUX/bin" "$AUX/a" "$AUX/b" "$AUX/home.$A" "$AUX/home.$B"
    chown $A "$AUX/a" "$AUX/home.$A"
    chown $B "$AUX/b" "$AUX/home.$B"
    head -c 5000 /dev/urandom >"$AUX/payload"
    chmod 644 "$AUX/payload"
    : >"$AUX/runs"
    chmod 666 "$AUX/runs"
    cat >"$AUX/bin/gen" <<EOF
#!/bin/sh
echo run >>'$AUX/runs'
cat '$AUX/payload'
echo "to stderr \$1" >&2
cp '$AUX/payload' out.bin
chmod 640 out.bin
EOF
    chmod 755 "$AUX/bin/gen"
    cp "$AUX/payload" "$AUX/want.out"
    printf 'to stderr %s\n' x >"$AUX/want.err"
}

real_runs() {
    wc -l <"$AUX/runs" | tr -d ' '
}

# check_result PREFIX DIR: the run left the exact bytes, on stdout and in DIR/out.bin (mode 640).
check_result() {
    assert_eq 0 "$(cat "$1.rc")" "$1: exit code"
    assert_file_eq "$AUX/want.out" "$1.out" "$1: stdout"
    strip_fleche "$1.err" >"$1.cmd.err"
    assert_file_eq "$AUX/want.err" "$1.cmd.err" "$1: CMD's stderr"
    assert_file_eq "$AUX/payload" "$2/out.bin" "$1: output file"
    assert_eq 640 "$(stat -c %a "$2/out.bin")" "$1: the output's stored mode"
}

# A group store: a setgid directory of the group, owned by A.
make_group_store() {
    export FLECHE_DIR=$AUX/shared
    mkdir "$FLECHE_DIR"
    chown $A:$GROUP "$FLECHE_DIR"
    chmod 2770 "$FLECHE_DIR"
}

case_group_members_hit_each_others_entries() {
    need_root
    make_fixture
    make_group_store
    export FLECHE_UMASK=002
    capture r1 as $A "$AUX/a" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r1 "$AUX/a"
    assert_eq "" "$(fleche_lines r1.err)" "A stores without a word"
    capture r2 as $B "$AUX/b" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r2 "$AUX/b"
    assert_eq "" "$(fleche_lines r2.err)" "B hits without a word"
    assert_eq 1 "$(real_runs)" "B hit A's entry"
    # B stores too (another argument), and A hits B's entry.
    printf 'to stderr %s\n' y >"$AUX/want.err"
    capture r3 as $B "$AUX/b" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" y
    check_result r3 "$AUX/b"
    rm "$AUX/a/out.bin"
    capture r4 as $A "$AUX/a" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" y
    check_result r4 "$AUX/a"
    assert_eq 2 "$(real_runs)" "A hit B's entry"
    assert_eq "" "$(fleche_lines r3.err)$(fleche_lines r4.err)" "no warnings"
    # Everything in the store is the group's to read and write.
    local private
    private=$(find "$FLECHE_DIR" \( -type f ! -perm -660 \) -o \( -type d ! -perm -2770 \) -o ! -group $GROUP)
    assert_eq "" "$private" "store files not shared with the group"
    [[ -n $(find "$FLECHE_DIR" -type f -user $B) ]] || fail "fixture: B created nothing in the store"
}

case_cmd_keeps_the_users_umask() {
    need_root
    make_fixture
    make_group_store
    export FLECHE_UMASK=000
    # CMD sees and uses the caller's umask, not the store's.
    printf '#!/bin/sh\numask\necho new >made.txt\n' >"$AUX/bin/um"
    chmod 755 "$AUX/bin/um"
    capture r1 as $A "$AUX/a" sh -c "umask 027 && exec '$FLECHE_BIN' run -- '$AUX/bin/um'"
    assert_eq 0 "$RC" "exit code; stderr: $(cat r1.err)"
    assert_file_content r1.out $'0027\n' "the umask CMD saw"
    assert_eq 640 "$(stat -c %a "$AUX/a/made.txt")" "mode of a file CMD created"
    # And a hit restores outputs with their stored modes, whatever the store's mask.
    capture r2 as $A "$AUX/a" sh -c "umask 077 && exec '$FLECHE_BIN' run -o out.bin -- '$AUX/bin/gen' x"
    capture r3 as $B "$AUX/b" sh -c "umask 000 && exec '$FLECHE_BIN' run -o out.bin -- '$AUX/bin/gen' x"
    check_result r3 "$AUX/b"
    assert_eq 1 "$(real_runs)" "B hit"
}

case_group_store_without_umask_warns_once() {
    need_root
    make_fixture
    make_group_store
    FLECHE_UMASK=002 capture r1 as $A "$AUX/a" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r1 "$AUX/a"
    local before
    before=$(find "$FLECHE_DIR" | sort)
    capture r2 as $B "$AUX/b" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r2 "$AUX/b"
    assert_eq 2 "$(real_runs)" "B ran uncached"
    assert_eq "fleche: warning: store $FLECHE_DIR (owner uid $A, mode 2770) is writable by its group but not configured as shared; set [store] umask = \"002\" (or FLECHE_UMASK=002) to share it with the group, or chmod g-w it; running without the cache" \
        "$(fleche_lines r2.err)" "B's one warning"
    assert_eq "$before" "$(find "$FLECHE_DIR" | sort)" "B changed the store"
}

case_a_store_you_cannot_write_says_what_to_do() {
    need_root
    make_fixture
    capture r1 as $A "$AUX/a" env FLECHE_DIR="$AUX/a/store" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r1 "$AUX/a"
    chmod 711 "$AUX/a"
    assert_eq 700 "$(stat -c %a "$AUX/a/store")" "a private store"
    capture r2 as $B "$AUX/b" env FLECHE_DIR="$AUX/a/store" "$FLECHE_BIN" run -o out.bin -- "$AUX/bin/gen" x
    check_result r2 "$AUX/b"
    assert_eq 2 "$(real_runs)" "B ran uncached"
    assert_eq "fleche: warning: store $AUX/a/store (owner uid $A, mode 0700) is not writable by you; set [store] umask = \"002\" and share a group, or use FLECHE_DIR; running without the cache" \
        "$(fleche_lines r2.err)" "B's one warning"
    # A store that is not yours, even one you could write, is not used unless shared.
    chmod 755 "$AUX/a/store"
    capture r3 as $B "$AUX/b" env FLECHE_DIR="$AUX/a/store" "$FLECHE_BIN" query
    assert_eq 125 "$RC" "query of a store that is not B's"
    assert_contains "$(cat r3.err)" "is not writable by you" "query says why"
}

case_a_store_others_may_write_is_not_used() {
    make_counted c 'echo out; echo err >&2'
    mkdir -p "$FLECHE_DIR"
    chmod 777 "$FLECHE_DIR"
    capture r1 fl run -- ./c
    assert_eq 0 "$RC"
    assert_file_content r1.out $'out\n'
    assert_eq "fleche: warning: store $FLECHE_DIR (owner uid $(id -u), mode 0777) is writable by others, who could plant results that you would replay; chmod o-w it, or use FLECHE_DIR; running without the cache" \
        "$(fleche_lines r1.err)" "one warning"
    assert_eq "" "$(ls -A "$FLECHE_DIR")" "the store was written"
    # Not even a umask that shares with the group makes it safe.
    FLECHE_UMASK=002 capture r2 fl run -- ./c
    assert_contains "$(cat r2.err)" "is writable by others" "with umask 002"
    assert_eq "" "$(ls -A "$FLECHE_DIR")" "the store was written"
    assert_runs c 2
}

case_a_group_writable_store_needs_a_group_umask() {
    make_counted c 'echo out'
    mkdir -p "$FLECHE_DIR"
    chmod 775 "$FLECHE_DIR"
    capture r1 fl run -- ./c
    assert_contains "$(cat r1.err)" "is writable by its group but not configured as shared" "no umask"
    FLECHE_UMASK=022 capture r2 fl run -- ./c
    assert_contains "$(cat r2.err)" "is writable by its group but not configured as shared" "umask 022"
    assert_eq "" "$(ls -A "$FLECHE_DIR")" "the store was written"
    FLECHE_UMASK=002 capture r3 fl run -- ./c
    FLECHE_UMASK=002 capture r4 fl run -- ./c
    assert_eq "" "$(fleche_lines r3.err)$(fleche_lines r4.err)" "a shared store: no warning"
    assert_file_content r4.out $'out\n'
    assert_runs c 3
    assert_eq 775 "$(stat -c %a "$FLECHE_DIR/objects")" "objects/ with umask 002"
}

case_umask_setting_shows_its_source() {
    printf 'root = true\n[store]\numask = "027"\n' >fleche.toml
    assert_contains "$(fl config)" 'store.umask = "027"' "from the file"
    assert_contains "$(fl config)" "$PWD/fleche.toml:3" "its source"
    assert_eq '"027"' "$(fl config --json | jq -c '.settings.store.umask.value')" "JSON"
    assert_contains "$(FLECHE_UMASK=002 fl config)" 'store.umask = "002"' "from the variable"
    assert_contains "$(FLECHE_UMASK=002 fl config | grep store.umask)" "# FLECHE_UMASK" "its source"
    make_counted c 'echo out'
    FLECHE_UMASK=029 capture r1 fl run -- ./c
    assert_eq 125 "$RC" "a mask that is not octal"
    assert_contains "$(cat r1.err)" "FLECHE_UMASK is '029'; allowed: an octal umask as a string" "the error"
    printf 'root = true\n[store]\numask = 2\n' >fleche.toml
    capture r2 fl run -- ./c
    assert_eq 125 "$RC" "an integer umask"
    assert_contains "$(cat r2.err)" "store.umask takes an octal umask as a string" "the error"
    assert_runs c 0
    # A private store stays private whatever the user's umask.
    rm fleche.toml
    (umask 000 && fl run -o made -- sh -c 'echo x >made') >/dev/null
    assert_eq 700 "$(stat -c %a "$FLECHE_DIR")" "store"
    assert_eq "" "$(find "$FLECHE_DIR" -type f -perm /077 ! -name 'index.sqlite*')" "store files others may read"
}

# ---------------------------------------------------------------- symbolic links

make_stored() {
    head -c 3000 /dev/urandom >payload
    make_counted gen 'cat payload; cp payload out.bin'
    printf 'precious\n' >"$AUX/victim"
}

victim_intact() {
    assert_file_content "$AUX/victim" $'precious\n' "the link's target"
}

case_planted_blob_link_is_damage() {
    make_stored
    fl run -o out.bin -- ./gen >r1.out
    # The output's blob, moved out of the store and linked back: a link is
    # never followed, even to a blob that would verify.
    local blob
    blob=$FLECHE_DIR/objects/$(sha256sum payload | cut -c1-2)/$(sha256sum payload | cut -c3-64)
    [[ -f $blob ]] || fail "fixture: no blob at $blob"
    mv "$blob" "$AUX/outside-blob"
    ln -s "$AUX/outside-blob" "$blob"
    rm out.bin
    capture r2 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_file_eq payload r2.out "stdout"
    assert_file_eq payload out.bin "output"
    assert_runs gen 2 "a linked blob is damage: the command ran again"
    [[ -f $blob && ! -L $blob ]] || fail "the blob was not stored again in place of the link"
    # A link planted where a new blob goes is replaced, never written through.
    head -c 3000 /dev/urandom >payload
    blob=$FLECHE_DIR/objects/$(sha256sum payload | cut -c1-2)/$(sha256sum payload | cut -c3-64)
    mkdir -p "$(dirname "$blob")"
    ln -s "$AUX/victim" "$blob"
    capture r3 fl run --salt new -o out.bin -- ./gen
    assert_file_eq payload out.bin "output"
    victim_intact
    [[ -f $blob && ! -L $blob ]] || fail "the new blob is not in place of the link"
}

case_planted_lock_link_is_not_followed() {
    make_stored
    local key
    key=$(fl digest -o out.bin -- ./gen)
    mkdir -p "$FLECHE_DIR/locks"
    ln -s "$AUX/created-through-link" "$FLECHE_DIR/locks/$key"
    capture r1 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_file_eq payload r1.out "stdout"
    [[ ! -e $AUX/created-through-link ]] || fail "a file was created through the lock link"
    ln -sfn "$AUX/victim" "$FLECHE_DIR/locks/$key"
    capture r2 fl run -o out.bin -- ./gen
    assert_file_eq payload r2.out "stdout"
    assert_file_eq payload out.bin "output"
    victim_intact
}

case_planted_log_index_and_stamp_links_are_not_followed() {
    make_stored
    fl run -o out.bin -- ./gen >r1.out
    ln -s "$AUX/victim" "$FLECHE_DIR/hits.log"
    ln -s "$AUX/stamp-through-link" "$FLECHE_DIR/gc.stamp"
    FLECHE_MAX_SIZE=1G capture r2 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_file_eq payload r2.out "a hit"
    assert_runs gen 1
    victim_intact
    [[ ! -e $AUX/stamp-through-link ]] || fail "gc.stamp was created through its link"
    # An index that is a link is not opened: the command runs uncached.
    mv "$FLECHE_DIR/index.sqlite" "$AUX/index.sqlite"
    rm -f "$FLECHE_DIR"/index.sqlite-*
    ln -s "$AUX/index-through-link" "$FLECHE_DIR/index.sqlite"
    capture r3 fl run -o out.bin -- ./gen
    assert_eq 0 "$RC"
    assert_file_eq payload r3.out "stdout"
    [[ ! -e $AUX/index-through-link ]] || fail "an index was created through the link"
}

run_case group_members_hit_each_others_entries case_group_members_hit_each_others_entries
run_case cmd_keeps_the_users_umask case_cmd_keeps_the_users_umask
run_case group_store_without_umask_warns_once case_group_store_without_umask_warns_once
run_case a_store_you_cannot_write_says_what_to_do case_a_store_you_cannot_write_says_what_to_do
run_case a_store_others_may_write_is_not_used case_a_store_others_may_write_is_not_used
run_case a_group_writable_store_needs_a_group_umask case_a_group_writable_store_needs_a_group_umask
run_case umask_setting_shows_its_source case_umask_setting_shows_its_source
run_case planted_blob_link_is_damage case_planted_blob_link_is_damage
run_case planted_lock_link_is_not_followed case_planted_lock_link_is_not_followed
run_case planted_log_index_and_stamp_links_are_not_followed case_planted_log_index_and_stamp_links_are_not_followed
finish
