#!/usr/bin/env bash
# fleche digest prints the key run would use; a key it cannot write is an
# error that says why, with fleche's own exit status.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_key_matches_run() {
    fl run -- echo hi >/dev/null
    local key
    key=$(fl digest -- echo hi)
    [[ "$key" =~ ^[0-9a-f]{64}$ ]] || fail "not a key: $key"
    assert_eq "$key" "$(fl query --keys)" "the key of the stored entry"
}

case_unwritable_stdout() {
    [[ -w /dev/full ]] || skip "skipped: no /dev/full"
    capture d fl digest -- echo hi
    assert_eq 0 "$RC"
    capture full bash -c '"$FLECHE_BIN" digest -- echo hi >/dev/full'
    assert_eq 125 "$RC" "exit status"
    assert_file_contains full.err "fleche: cannot write the key: No space left on device"
}

run_case key_matches_run case_key_matches_run
run_case unwritable_stdout case_unwritable_stdout
finish
