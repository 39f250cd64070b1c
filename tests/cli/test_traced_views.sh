#!/usr/bin/env bash
# What people see of traced keys: show lists a traced entry's inputs by kind
# and its discovered outputs, and a first key's path sets; explain and has
# hold the path sets against the files; query --input finds traced inputs,
# until the entry is removed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The traced command of every case: reads in.txt, probes maybe.txt, lists
# data and writes out.txt (an output nobody declared).
CMD=(sh -c 'cat in.txt; test -e maybe.txt; ls data > out.txt')

traced_run() {
    fl run --trace -- "${CMD[@]}"
}

set_up() {
    printf 'hello\n' >in.txt
    mkdir data
    touch data/a data/b
    traced_run >r.out 2>r.err
    if grep -q 'trace unavailable' r.err; then
        skip "$(cat r.err)"
    fi
    assert_file_content r.out $'hello\n' "the traced run's stdout"
    [[ $(fl query --keys | wc -l) -eq 1 ]] || fail "one entry expected: $(fl query --keys)"
    KEY=$(fl query --keys)
}

sha() {
    sha256sum "$1" | cut -c1-64
}

case_show_lists_traced_inputs_by_kind() {
    set_up
    fl show "$KEY" >s.out
    grep -qE "^first key +$(fl digest --trace -- "${CMD[@]}") \(traced" s.out ||
        fail "no first key line: $(cat s.out)"
    grep -qE '^traced inputs: [0-9]+ paths: [0-9]+ files, [0-9]+ missing, 1 listed directory' s.out ||
        fail "no counts line: $(grep traced s.out)"
    grep -qE "^  file +in\.txt +$(sha in.txt | cut -c1-12)\$" s.out ||
        fail "in.txt with its digest: $(grep '^  file' s.out)"
    # The project's paths come before the system's: maybe.txt is the first
    # missing path listed, however many PATH probes sh made.
    assert_eq "  missing maybe.txt" "$(grep -m1 '^  missing' s.out)" "the first missing path"
    grep -qE '^  listed +data +[0-9a-f]{12}$' s.out || fail "data listed: $(grep '^  listed' s.out)"
    grep -qE '^  file - +4B  out\.txt  [0-9a-f]{64}  discovered$' s.out ||
        fail "out.txt a discovered output: $(sed -n '/^outputs:/,$p' s.out)"
    # Declared with -o it is not "discovered".
    fl run --trace -o out.txt -- "${CMD[@]}" >/dev/null
    local declared
    declared=$(fl query --keys | grep -vx "$KEY")
    fl show "$declared" >d.out
    grep -qE '^  file - +4B  out\.txt  [0-9a-f]{64}$' d.out || fail "declared: $(cat d.out)"
}

case_show_caps_each_kind_unless_inputs() {
    local i total
    for i in $(seq 10 24); do
        echo "$i" >"f$i.txt"
    done
    fl run --trace -- sh -c 'cat f*.txt' >/dev/null
    local key
    key=$(fl query --keys)
    fl show "$key" >s.out
    fl show --inputs "$key" >all.out
    total=$(sed -nE 's/^traced inputs: [0-9]+ paths: ([0-9]+) files.*/\1/p' s.out)
    [[ $total -ge 16 ]] || fail "15 files and cat at least: $total"
    assert_eq 10 "$(grep -c '^  file    ' s.out)" "files shown without --inputs"
    # The project's files first, in path order.
    assert_eq "f10.txt f11.txt f12.txt" "$(grep '^  file    ' s.out | head -n 3 | awk '{ printf "%s%s", sep, $2; sep = " " }')"
    assert_file_has_line s.out "  ... $((total - 10)) more files (fleche show --inputs lists them all)"
    assert_eq "$total" "$(grep -c '^  file    ' all.out)" "--inputs lists every file"
    assert_eq 0 "$(grep -c '^  \.\.\.' all.out)" "nothing left out with --inputs"
    assert_eq "$(grep -v '^  ' s.out | grep -v '^started\|^hits\|^wall\|^cpu')" \
        "$(grep -v '^  ' all.out | grep -v '^started\|^hits\|^wall\|^cpu')" "the rest is the same"
}

case_show_json_has_the_path_sets() {
    set_up
    fl show --json "$KEY" >s.json
    python3 - "$(fl digest --trace -- "${CMD[@]}")" "$(sha in.txt)" <<'EOF'
import json, sys
e = json.load(open("s.json"))
assert e["first_key"] == sys.argv[1], e["first_key"]
[paths] = [s["paths"] for s in e["path_sets"]]
by_path = {p["path"]: p for p in paths}
assert by_path["in.txt"] == {"path": "in.txt", "state": "content", "digest": sys.argv[2]}
assert by_path["maybe.txt"] == {"path": "maybe.txt", "state": "missing", "digest": None}
assert by_path["data"]["state"] == "listing" and len(by_path["data"]["digest"]) == 64
assert [(o["path"], o["discovered"]) for o in e["outputs"]] == [("out.txt", True)], e["outputs"]
EOF
}

case_show_first_key_lists_its_path_sets() {
    set_up
    local k1
    k1=$(fl digest --trace -- "${CMD[@]}")
    fl show "${k1:0:12}" >k.out
    assert_file_has_line k.out "key            $k1"
    grep -qE "^  1  ${KEY:0:8} +[0-9]+ paths  matches \(run would replay it\)\$" k.out ||
        fail "the one path set matches: $(cat k.out)"
    : >maybe.txt
    fl show "$k1" >k2.out
    grep -qE "^  1  ${KEY:0:8} +[0-9]+ paths  input maybe.txt: appeared\$" k2.out ||
        fail "maybe.txt appeared: $(cat k2.out)"
    fl show --json "$k1" >k.json
    python3 -c '
import json, sys
e = json.load(open("k.json"))
assert e["first_key"] is True and e["key"] == sys.argv[1]
[item] = e["path_sets"]
assert item["key"] == sys.argv[2] and item["stored"] and not item["matches"]
assert item["difference"] == "input maybe.txt: appeared", item
' "$k1" "$KEY"
}

case_explain_and_has_follow_the_path_sets() {
    set_up
    : >maybe.txt
    capture e fl explain --trace -- "${CMD[@]}"
    assert_eq 1 "$RC" "explain misses once maybe.txt appeared"
    local k1
    k1=$(fl digest --trace -- "${CMD[@]}")
    assert_eq "miss ${k1:0:8}: input maybe.txt: appeared" "$(head -n 1 e.out)"
    assert_file_has_line e.out "  1 path set compared; fleche show ${k1:0:8} lists them"
    assert_exit 1 fl has --trace -- "${CMD[@]}"
    rm maybe.txt
    capture e fl explain --trace -- "${CMD[@]}"
    assert_eq 0 "$RC" "explain hits once maybe.txt is gone again: $(cat e.out)"
    assert_eq "hit ${KEY:0:8}: run would replay this entry (path set 1 of 1 matches)" \
        "$(head -n 1 e.out)"
    assert_file_has_line e.out "  missing maybe.txt"
    assert_exit 0 fl has --trace -- "${CMD[@]}"
    printf 'changed\n' >in.txt
    capture e fl explain --trace -- "${CMD[@]}"
    assert_eq 1 "$RC"
    assert_file_contains e.out "input in.txt: content changed"
    # Untraced, the same command is another key with nothing stored.
    capture u fl explain -- "${CMD[@]}"
    assert_eq 1 "$RC"
    assert_file_contains u.out "nothing stored under this key"
}

case_query_input_finds_traced_inputs_until_rm() {
    set_up
    for path in in.txt maybe.txt data; do
        assert_eq "$KEY" "$(fl query --input "$path" --keys)" "query --input $path"
    done
    assert_eq "$KEY" "$(fl query --input ./in.txt --keys)" "normalised as for declared inputs"
    assert_eq "" "$(fl query --input in --keys)" "a whole path only"
    assert_eq "" "$(fl query --input out.txt --keys)" "an output is no input"
    fl rm "$KEY" 2>/dev/null
    assert_eq "" "$(fl query --input in.txt --keys)" "removed with its entry"
    assert_eq 0 "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'SELECT count(*) FROM path_set_paths')" \
        "no path rows left"
}

run_case show_lists_traced_inputs_by_kind case_show_lists_traced_inputs_by_kind
run_case show_caps_each_kind_unless_inputs case_show_caps_each_kind_unless_inputs
run_case show_json_has_the_path_sets case_show_json_has_the_path_sets
run_case show_first_key_lists_its_path_sets case_show_first_key_lists_its_path_sets
run_case explain_and_has_follow_the_path_sets case_explain_and_has_follow_the_path_sets
run_case query_input_finds_traced_inputs_until_rm case_query_input_finds_traced_inputs_until_rm
finish
