#!/usr/bin/env bash
# FLECHE_DISABLE, FLECHE_READONLY, FLECHE_REFRESH, FLECHE_DIR and FLECHE_MAX_SIZE.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# snapshot DIR: every file below DIR with its size and modification time.
# Every file of the store with its size and mtime, except SQLite's
# shared-memory index (index.sqlite-shm): any reader of a WAL database may
# rebuild it, and it holds no data of the store.
snapshot() {
    find "$1" ! -name index.sqlite-shm -printf '%p %s %T@\n' | sort
}

case_disable_runs_cmd_directly() {
    make_counted tool 'echo "out $*"; echo err >&2; exit 3'
    # Not even a broken configuration stands in the way.
    printf '[store\n' >fleche.toml
    capture r env FLECHE_DISABLE=1 "$FLECHE_BIN" run -o nothing -- ./tool a 'b c'
    assert_eq 3 "$RC"
    assert_file_content r.out "out a b c
"
    assert_file_content r.err "err
"
    env FLECHE_DISABLE=1 "$FLECHE_BIN" run -- ./tool >/dev/null 2>&1 || true
    assert_runs tool 2
    [[ ! -e "$FLECHE_DIR" ]] || fail "FLECHE_DISABLE created the store"
    capture n env FLECHE_DISABLE=1 "$FLECHE_BIN" run -- ./no-such-tool
    assert_eq 127 "$RC"
    assert_file_has_line n.err "fleche: ./no-such-tool: No such file or directory"
    capture z env FLECHE_DISABLE=0 "$FLECHE_BIN" run -- ./tool
    assert_eq 125 "$RC" "FLECHE_DISABLE=0 reads the (broken) configuration"
    capture w env FLECHE_DISABLE=sometimes "$FLECHE_BIN" run -- ./tool
    assert_eq 125 "$RC"
    assert_file_has_line w.err "fleche: FLECHE_DISABLE is 'sometimes'; allowed: 1 or 0 (also true/false, yes/no, on/off)"
}

case_readonly_replays_hits_and_writes_nothing() {
    make_counted tool 'echo "made $1" >out.txt; echo "ran $1"'
    fl run -o out.txt -- ./tool a >/dev/null
    fl run -o out.txt -- ./tool a >/dev/null # a hit: the hit counter is 1 now
    local before
    before=$(snapshot "$FLECHE_DIR")
    rm out.txt
    capture hit env FLECHE_READONLY=1 "$FLECHE_BIN" run -o out.txt -- ./tool a
    assert_eq 0 "$RC"
    assert_file_content hit.out "ran a
"
    assert_file_content out.txt "made a
"
    capture miss env FLECHE_READONLY=1 "$FLECHE_BIN" run -v -o out.txt -- ./tool b
    assert_eq 0 "$RC"
    assert_file_content miss.out "ran b
"
    assert_contains "$(cat miss.err)" "(FLECHE_READONLY: not storing)"
    assert_runs tool 2
    assert_eq "$before" "$(snapshot "$FLECHE_DIR")" "FLECHE_READONLY wrote to the store"
    assert_eq 1 "$(fl stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["hits"])')" \
        "hit counter unchanged"
    assert_exit 1 env FLECHE_READONLY=1 "$FLECHE_BIN" has -o out.txt -- ./tool b
    assert_exit 0 env FLECHE_READONLY=1 "$FLECHE_BIN" has -o out.txt -- ./tool a
}

case_readonly_never_creates_a_store() {
    make_counted tool 'echo hi'
    capture r env FLECHE_READONLY=1 FLECHE_DIR="$PWD/none" "$FLECHE_BIN" run -- ./tool
    assert_eq 0 "$RC"
    assert_file_content r.out "hi
"
    assert_file_content r.err ""
    [[ ! -e none ]] || fail "FLECHE_READONLY created the store"
    assert_exit 1 env FLECHE_READONLY=1 FLECHE_DIR="$PWD/none" "$FLECHE_BIN" has -- ./tool
    [[ ! -e none ]] || fail "has under FLECHE_READONLY created the store"
}

case_refresh_runs_again_and_replaces() {
    make_counted tool 'echo "run $(cat "$0".count 2>/dev/null)"; date +%N >"$0".count'
    fl run -- ./tool >first.out
    capture r env FLECHE_REFRESH=1 "$FLECHE_BIN" run -- ./tool
    assert_runs tool 2
    capture h fl run -- ./tool
    assert_runs tool 2
    assert_file_eq r.out h.out "the refreshed result replaced the first one"
}

case_store_dir_from_config_and_variable() {
    printf 'root = true\n[store]\ndir = "cache-here"\n' >fleche.toml
    make_counted tool 'echo hi'
    env -u FLECHE_DIR "$FLECHE_BIN" run -- ./tool >/dev/null
    [[ -f cache-here/index.sqlite ]] || fail "[store] dir was not used"
    fl run -- ./tool >/dev/null
    [[ -f "$FLECHE_DIR/index.sqlite" ]] || fail "FLECHE_DIR does not override [store] dir"
    assert_runs tool 2
}

case_max_size_variable_is_checked() {
    make_counted tool 'echo hi'
    capture r env FLECHE_MAX_SIZE=huge "$FLECHE_BIN" run -- ./tool
    assert_eq 125 "$RC"
    assert_contains "$(cat r.err)" "fleche: FLECHE_MAX_SIZE: 'huge' is not a size"
    assert_runs tool 0
}

# FLECHE_REFRESH_KEY once started the background refresh; a user's variable
# of that name (or one inherited by a CMD that calls fleche) is now nothing
# to fleche: CMD runs, or the hit replays, and CMD sees the variable as set.
case_refresh_key_variable_is_not_special() {
    make_counted tool 'echo "hi $FLECHE_REFRESH_KEY"'
    capture a env FLECHE_REFRESH_KEY=x "$FLECHE_BIN" run -- ./tool
    assert_eq 0 "$RC"
    assert_file_content a.out $'hi x\n' "CMD ran, with the variable"
    assert_file_content a.err ''
    assert_runs tool 1
    assert_exit 0 fl has -- ./tool
    # With the key of this very invocation: as without the variable, a hit.
    local key
    key=$(fl digest -- ./tool)
    capture b env FLECHE_REFRESH_KEY="$key" "$FLECHE_BIN" run -- ./tool
    assert_eq 0 "$RC"
    assert_file_content b.out $'hi x\n' "the stored result is replayed"
    assert_runs tool 1
    # And on a miss, with the key of the invocation: CMD runs and is stored.
    key=$(fl digest --salt 2 -- ./tool)
    capture c env FLECHE_REFRESH_KEY="$key" "$FLECHE_BIN" run --salt 2 -- ./tool
    assert_eq 0 "$RC"
    assert_file_content c.out "hi $key"$'\n'
    assert_runs tool 2
    capture d fl run --salt 2 -- ./tool
    assert_file_content d.out "hi $key"$'\n' "stored"
    assert_runs tool 2
}

run_case disable_runs_cmd_directly case_disable_runs_cmd_directly
run_case readonly_replays_hits_and_writes_nothing case_readonly_replays_hits_and_writes_nothing
run_case readonly_never_creates_a_store case_readonly_never_creates_a_store
run_case refresh_runs_again_and_replaces case_refresh_runs_again_and_replaces
run_case store_dir_from_config_and_variable case_store_dir_from_config_and_variable
run_case max_size_variable_is_checked case_max_size_variable_is_checked
run_case refresh_key_variable_is_not_special case_refresh_key_variable_is_not_special
finish
