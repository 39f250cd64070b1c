#!/usr/bin/env bash
# Traced keys in the store: path sets coexist under one first key, a
# negative entry misses when its path appears, lists are verified and
# collected by gc, and runs that cannot be replayed are not stored.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The counter of make_counted lives outside the working directory and is
# appended to: a trace must leave it out, or no counted run is stored.
ignore_counter() {
    printf 'root = true\n[run]\ntrace_ignore = ["%s/**"]\n' "$AUX" >fleche.toml
}

# the path-set list files of the store, one per traced first key
lists() {
    find "$FLECHE_DIR/path-sets" -type f 2>/dev/null | wc -l
}

case_path_sets_coexist_and_missing_paths_count() {
    ignore_counter
    make_counted tool 'if [ -e flag ]; then cat a; else cat b; fi'
    printf 'from a\n' >a
    printf 'from b\n' >b
    fl run --trace -- ./tool >out1
    assert_file_content out1 'from b
'
    printf 'on\n' >flag # a path that was missing appears: a miss
    capture run2 fl run -v --trace -- ./tool
    assert_file_content run2.out 'from a
'
    assert_file_contains run2.err 'input flag: appeared'
    assert_eq 2 "$(runs tool)"
    rm flag # the first path set matches again
    capture run3 fl run -v --trace -- ./tool
    assert_file_content run3.out 'from b
'
    assert_file_contains run3.err '(path set 2,'
    printf 'on\n' >flag # and the second
    capture run4 fl run -v --trace -- ./tool
    assert_file_content run4.out 'from a
'
    assert_file_contains run4.err '(path set 1,'
    assert_eq 2 "$(runs tool)"
    assert_eq 1 "$(lists)"
    # Content counts, not only existence.
    printf 'from a, edited\n' >a
    capture run5 fl run -v --trace -- ./tool
    assert_file_contains run5.err 'input a: content changed'
    assert_eq 3 "$(runs tool)"
}

case_outputs_found_by_the_trace_are_restored() {
    ignore_counter
    make_counted tool 'mkdir -p out; cat in > out/copy; chmod 750 out/copy; echo done'
    printf 'payload\n' >in
    fl run --trace -- ./tool >/dev/null
    cp out/copy expected
    rm -r out
    capture hit fl run --trace -- ./tool
    assert_eq 0 "$RC"
    assert_file_content hit.out 'done
'
    assert_file_eq expected out/copy
    assert_eq 750 "$(stat -c %a out/copy)"
    assert_eq 1 "$(runs tool)"
}

case_a_damaged_list_is_a_miss_then_stored_again() {
    ignore_counter
    make_counted tool 'cat in'
    printf 'x\n' >in
    fl run --trace -- ./tool >/dev/null
    list=$(find "$FLECHE_DIR/path-sets" -type f)
    printf 'garbage' >>"$list"
    capture again fl run --trace -- ./tool
    assert_eq 0 "$RC"
    assert_file_content again.out 'x
'
    assert_eq 2 "$(runs tool)"
    capture third fl run --trace -- ./tool
    assert_eq 2 "$(runs tool)"
    assert_eq "" "$(cat third.err)"
}

# A list whose items name each other's entries (well-formed, checksum
# right): a path set that matches must not replay an entry stored for
# another one.
case_a_list_pairing_path_sets_with_other_entries_is_not_trusted() {
    ignore_counter
    make_counted tool 'if [ -e flag ]; then cat a; else cat b; fi'
    printf 'from a\n' >a
    printf 'from b\n' >b
    fl run --trace -- ./tool >/dev/null
    printf 'on\n' >flag
    fl run --trace -- ./tool >/dev/null
    rm flag
    list=$(find "$FLECHE_DIR/path-sets" -type f)
    python3 - "$list" <<'PY'
import hashlib, re, sys
path = sys.argv[1]
text = open(path, "rb").read()
body = text[: text.rindex(b"sha256 ")]
keys = re.findall(rb"^item ([0-9a-f]{64}) ", body, re.M)
assert len(keys) == 2, keys
body = body.replace(keys[0], b"X" * 64).replace(keys[1], keys[0]).replace(b"X" * 64, keys[1])
open(path, "wb").write(body + b"sha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
    capture swapped fl run -v --trace -- ./tool
    assert_file_content swapped.out 'from b
'
    assert_file_contains swapped.err 'does not hold the path set that named it'
    assert_eq 3 "$(runs tool)"
}

case_gc_removes_the_lists_of_evicted_entries() {
    ignore_counter
    make_counted tool 'cat in'
    printf 'x\n' >in
    fl run --trace -- ./tool >/dev/null
    assert_eq 1 "$(lists)"
    fl gc --max-entries 0 >/dev/null
    assert_eq 0 "$(lists)"
    fl verify >/dev/null
    fl run --trace -- ./tool >/dev/null
    fl run --trace -- ./tool >/dev/null
    assert_eq 2 "$(runs tool)"
    fl gc >/dev/null # nothing to evict: the list stays
    assert_eq 1 "$(lists)"
}

case_readonly_traced_hit_writes_nothing() {
    ignore_counter
    make_counted tool 'cat in'
    printf 'x\n' >in
    fl run --trace -- ./tool >/dev/null
    before=$(cd "$FLECHE_DIR" && find . -type f | sort | xargs sha256sum)
    capture hit env FLECHE_READONLY=1 "$FLECHE_BIN" run --trace -- ./tool
    assert_file_content hit.out 'x
'
    assert_eq 1 "$(runs tool)"
    after=$(cd "$FLECHE_DIR" && find . -type f | sort | xargs sha256sum)
    assert_eq "$before" "$after" "a read-only hit changed the store"
}

case_runs_that_cannot_be_replayed_are_not_stored() {
    ignore_counter
    make_counted appender 'echo line >> log'
    capture one fl run -v --trace -- ./appender
    assert_file_contains one.err "not stored: CMD read $PWD/log and then changed it"
    outside=$AUX/left-behind
    printf 'root = true\n' >fleche.toml # $AUX is not left out now
    for attempt in 1 2; do
        capture two fl run -v --trace -- sh -c "echo x > '$outside'"
        assert_file_contains two.err "not stored: CMD wrote $outside outside the working directory and left it there"
    done
    assert_eq 0 "$(lists)"
}

case_without_trace_the_key_and_entries_are_untouched() {
    printf 'x\n' >in
    untraced=$(fl digest -i in -- cat in)
    traced=$(fl digest --trace -i in -- cat in)
    assert_ne "$untraced" "$traced"
    fl run -i in -- cat in >/dev/null
    fl run --trace -i in -- cat in >/dev/null
    assert_eq 2 "$(fl query --keys | wc -l)"
    # The traced entry is named by its second key, not the first.
    fl query --keys | grep -qx "$untraced" || fail "the untraced entry is not under its key"
    if fl query --keys | grep -qx "$traced"; then
        fail "the traced entry is stored under its first key"
    fi
}

run_case path_sets_coexist_and_missing_paths_count case_path_sets_coexist_and_missing_paths_count
run_case outputs_found_by_the_trace_are_restored case_outputs_found_by_the_trace_are_restored
run_case a_damaged_list_is_a_miss_then_stored_again case_a_damaged_list_is_a_miss_then_stored_again
run_case a_list_pairing_path_sets_with_other_entries_is_not_trusted case_a_list_pairing_path_sets_with_other_entries_is_not_trusted
run_case gc_removes_the_lists_of_evicted_entries case_gc_removes_the_lists_of_evicted_entries
run_case readonly_traced_hit_writes_nothing case_readonly_traced_hit_writes_nothing
run_case runs_that_cannot_be_replayed_are_not_stored case_runs_that_cannot_be_replayed_are_not_stored
run_case without_trace_the_key_and_entries_are_untouched case_without_trace_the_key_and_entries_are_untouched
finish
