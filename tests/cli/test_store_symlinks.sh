#!/usr/bin/env bash
# Store files are opened without following symbolic links
# (src/store/store_access.hpp): a link planted in the store, at a shard of
# objects/ or entries/ or at the index, is never read nor written through.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# plant_link DIR: DIR (in the store) moves outside, to $AUX/outside, and a
# symbolic link to it takes its place.
plant_link() {
    mv "$1" "$AUX/outside"
    ln -s "$AUX/outside" "$1"
}

outside_listing() { (cd "$AUX/outside" && find . | sort && cat ./* 2>/dev/null | md5sum); }

# shard_link KIND: the hit's shard of KIND (entries or objects) is a link to
# a directory outside, which holds the good files: the hit does not use them.
shard_link() {
    make_counted gen 'echo out; echo data >out.bin'
    fl run -o out.bin -- ./gen >/dev/null
    local key shard
    key=$(fl digest -o out.bin -- ./gen)
    if [[ $1 == entries ]]; then
        shard=$FLECHE_DIR/entries/${key:0:2}
    else
        shard=$(dirname "$(find "$FLECHE_DIR/objects" -type f | head -n 1)")
    fi
    plant_link "$shard"
    local before
    before=$(outside_listing)
    capture r fl run -o out.bin -- ./gen
    assert_eq 0 "$RC" "the run: $(cat r.err)"
    assert_file_content r.out $'out\n' "stdout"
    assert_file_content out.bin $'data\n' "output"
    assert_runs gen 2 "the hit did not read through the link: a miss"
    assert_file_contains r.err "fleche: "
    assert_eq "$before" "$(outside_listing)" "nothing written outside the store"
    [[ -L $shard ]] || fail "the link is left as it is"
}

case_entries_shard_link() { shard_link entries; }
case_objects_shard_link() { shard_link objects; }

case_index_link() {
    fl run -- echo hi >/dev/null
    mv "$FLECHE_DIR/index.sqlite" "$AUX/index.sqlite"
    rm -f "$FLECHE_DIR"/index.sqlite-*
    ln -s "$AUX/index.sqlite" "$FLECHE_DIR/index.sqlite"
    local sum
    sum=$(md5sum <"$AUX/index.sqlite")
    capture s fl stats
    assert_eq 0 "$RC" "stats: $(cat s.err)"
    assert_file_contains s.err "is a symbolic link, which fleche never follows in the store"
    assert_eq 1 "$(fleche_lines s.err | wc -l)" "one warning: $(cat s.err)"
    [[ -f $FLECHE_DIR/index.sqlite && ! -L $FLECHE_DIR/index.sqlite ]] || fail "no index rebuilt"
    assert_eq "$sum" "$(md5sum <"$AUX/index.sqlite")" "the linked file is untouched"
    assert_file_contains s.out "entries      1"
}

run_case entries_shard_link case_entries_shard_link
run_case objects_shard_link case_objects_shard_link
run_case index_link case_index_link
finish
