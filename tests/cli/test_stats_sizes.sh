#!/usr/bin/env bash
# stats gives one size figure: the bytes on disk of the blobs under objects/,
# the same in the text, with --by name and with --json; writes in progress
# under tmp/ do not count.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

json_member() { python3 -c 'import json, sys; print(eval("json.load(sys.stdin)" + sys.argv[1]))' "$1"; }

# The byte count of every file under objects/ (what `du -sb` counts, without
# the directories themselves).
objects_bytes() { find "$FLECHE_DIR/objects" -type f -printf '%s\n' | awk '{n += $1} END {print n + 0}'; }

setup_entries() {
    make_counted gen 'head -c 200000 /dev/urandom >out.bin; echo "made $1"'
    fl run --name alpha -o out.bin -- ./gen 1 >/dev/null
    fl run --name alpha -o out.bin -- ./gen 2 >/dev/null
}

case_one_size_everywhere() {
    setup_entries
    local want
    want=$(objects_bytes)
    ((want > 400000)) || fail "two random outputs should take 400 kB on disk, not $want"
    assert_eq "$want" "$(fl stats --json | json_member '["size"]')" "--json size"
    assert_eq "$want" "$(fl stats --json | json_member '["disk_size"]')" "--json disk_size"
    assert_eq "$want" "$(fl stats --by name --json | json_member '["names"][0]["size"]')" "--by name --json size"
    # The text shows the same figure, rounded, in both layouts.
    local total by_name
    total=$(fl stats | sed -n 's/^store size *\([^ ]*\) on disk (.*/\1/p')
    by_name=$(fl stats --by name | awk '$1 == "alpha" {print $8}')
    [[ -n "$total" ]] || fail "no store size line: $(fl stats)"
    assert_eq "$total" "$by_name" "stats and stats --by name"
}

case_writes_in_progress_do_not_count() {
    setup_entries
    local before blob
    before=$(fl stats --json | json_member '["size"]')
    # A blob being written looks like a blob, but in tmp/.
    blob=$(find "$FLECHE_DIR/objects" -type f -size +100k | head -n 1)
    cp "$blob" "$FLECHE_DIR/tmp/blob.inprogress"
    assert_eq "$before" "$(fl stats --json | json_member '["size"]')" "a blob in tmp/ counted"
    assert_eq "$before" "$(fl stats --by name --json | json_member '["names"][0]["size"]')"
}

case_shared_blob_counts_once_per_name() {
    make_counted same 'echo "the same log"; true "$1"'
    fl run --name beta -- ./same 1 >/dev/null
    fl run --name beta -- ./same 2 >/dev/null
    assert_eq "$(objects_bytes)" "$(fl stats --by name --json | json_member '["names"][0]["size"]')" \
        "two entries with one log blob"
}

run_case one_size_everywhere case_one_size_everywhere
run_case writes_in_progress_do_not_count case_writes_in_progress_do_not_count
run_case shared_blob_counts_once_per_name case_shared_blob_counts_once_per_name
finish
