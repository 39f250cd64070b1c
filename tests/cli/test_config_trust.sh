#!/usr/bin/env bash
# Configuration files that someone else could have written (writable by group
# or others, or owned by another user than root and the one running fleche)
# are ignored with one warning: their version: tool commands never run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shared_config MODE: shared/fleche.toml (mode MODE) above the project folder
# shared/proj, whose version: command would create $AUX/marker; cd there.
shared_config() {
    mkdir -p shared/proj
    printf '[run]\ntool = "version:touch %s/marker; echo 1"\n' "$AUX" >shared/fleche.toml
    chmod "$1" shared/fleche.toml
    CONFIG=$PWD/shared/fleche.toml
    cd shared/proj
    make_counted tool 'echo hi'
}

# assert_ignored FILE WHY: FILE (stderr) has the one warning about $CONFIG.
assert_ignored() {
    assert_eq 1 "$(grep -c 'ignoring' "$1")" "one warning in $1: $(cat "$1")"
    assert_file_has_line "$1" "fleche: warning: ignoring $CONFIG: $2"
    [[ ! -e $AUX/marker ]] || fail "the version: command of an ignored file ran"
}

case_writable_by_others_is_ignored() {
    shared_config 0666
    capture r fl run -- ./tool
    assert_eq 0 "$RC"
    assert_eq hi "$(cat r.out)"
    assert_ignored r.err "it is writable by group and others (chmod go-w it to use it)"
    capture h fl has -- ./tool
    assert_eq 0 "$RC" "has: stored under the key without the file's tool mode"
    assert_ignored h.err "it is writable by group and others (chmod go-w it to use it)"
    capture d fl digest -- ./tool
    assert_eq 0 "$RC"
    assert_ignored d.err "it is writable by group and others (chmod go-w it to use it)"
    chmod o-w "$CONFIG"
    capture g fl run -- ./tool
    assert_ignored g.err "it is writable by its group (chmod g-w it to use it)"
    chmod g-w "$CONFIG"
    capture ok fl digest -- ./tool
    assert_eq 0 "$RC"
    assert_eq "" "$(cat ok.err)" "a file only its owner may write is used"
    [[ -e $AUX/marker ]] || fail "the version: command of a trusted file did not run"
}

case_group_writable_is_ignored() {
    shared_config 0664
    capture r fl run -- ./tool
    assert_eq 0 "$RC"
    assert_ignored r.err "it is writable by its group (chmod g-w it to use it)"
}

case_owned_by_another_user_is_ignored() {
    [[ $(id -u) -eq 0 ]] || skip "only root can give a file to another user"
    shared_config 0644
    chown nobody "$CONFIG"
    capture r fl run -- ./tool
    assert_eq 0 "$RC"
    assert_ignored r.err "it is owned by uid $(id -u nobody), not by you or root (chown it to use it)"
}

case_root_owned_file_is_trusted_by_others() {
    [[ $(id -u) -eq 0 ]] || skip "needs root to run fleche as another user"
    command -v setpriv >/dev/null || skip "setpriv is not installed"
    shared_config 0644 # owned by root
    chmod 0777 "$AUX" "$PWD" # nobody writes the marker and its own store there
    chmod 0755 "$SCRATCH" "$SCRATCH/work" "$SCRATCH/aux" "$(dirname "$PWD")/.." "$(dirname "$PWD")"
    capture r setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env FLECHE_DIR="$PWD/store" "$FLECHE_BIN" digest -- ./tool
    assert_eq 0 "$RC" "$(cat r.err)"
    assert_eq "" "$(cat r.err)" "no warning"
    [[ -e $AUX/marker ]] || fail "root's file was not used"
}

case_user_config_is_checked_too() {
    export XDG_CONFIG_HOME=$AUX/xdg
    mkdir -p "$XDG_CONFIG_HOME/fleche"
    CONFIG=$XDG_CONFIG_HOME/fleche/config.toml
    printf '[run]\ntool = "version:touch %s/marker; echo 1"\n' "$AUX" >"$CONFIG"
    chmod 0646 "$CONFIG"
    printf 'root = true\n' >fleche.toml
    make_counted tool 'echo hi'
    capture r fl run -- ./tool
    assert_eq 0 "$RC"
    assert_ignored r.err "it is writable by others (chmod o-w it to use it)"
}

case_config_shows_what_was_ignored() {
    shared_config 0666
    capture c fl config
    assert_eq 0 "$RC"
    assert_ignored c.err "it is writable by group and others (chmod go-w it to use it)"
    assert_file_has_line c.out "# files ignored:"
    assert_file_has_line c.out "#   $CONFIG: it is writable by group and others (chmod go-w it to use it)"
    assert_file_contains c.out 'run.tool = "content"'
    capture j fl config --json
    assert_eq "\"$CONFIG\"" "$(jq '.ignored[0].path' j.out)"
    assert_eq '"it is writable by group and others (chmod go-w it to use it)"' \
        "$(jq '.ignored[0].reason' j.out)"
    assert_eq '[]' "$(jq -c .files j.out)"
}

case_warned_once_when_read_twice() {
    shared_config 0666
    fl run -- ./tool >/dev/null 2>&1
    capture g fl gc # reads the configuration for its limits and for the store
    assert_eq 0 "$RC"
    assert_ignored g.err "it is writable by group and others (chmod go-w it to use it)"
}

case_an_ignored_root_does_not_stop_the_walk() {
    mkdir -p top/proj
    printf 'root = true\n[store]\ncompression = 4\n' >top/fleche.toml
    printf 'root = true\n[store]\ncompression = 9\n' >top/proj/fleche.toml
    chmod 0666 top/proj/fleche.toml
    cd top/proj
    capture j fl config --json
    assert_eq 4 "$(jq .settings.store.compression.value j.out)"
}

run_case writable_by_others_is_ignored case_writable_by_others_is_ignored
run_case group_writable_is_ignored case_group_writable_is_ignored
run_case owned_by_another_user_is_ignored case_owned_by_another_user_is_ignored
run_case root_owned_file_is_trusted_by_others case_root_owned_file_is_trusted_by_others
run_case user_config_is_checked_too case_user_config_is_checked_too
run_case config_shows_what_was_ignored case_config_shows_what_was_ignored
run_case warned_once_when_read_twice case_warned_once_when_read_twice
run_case an_ignored_root_does_not_stop_the_walk case_an_ignored_root_does_not_stop_the_walk
finish
