#!/usr/bin/env bash
# fleche show: key prefixes (unique, ambiguous, malformed), the full text,
# --stdout, --stderr, --log and --json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_text() {
    make_counted t 'echo "to out"; echo "to err" >&2; mkdir -p out; echo x >out/f'
    echo in >in.txt
    OMP=4 fl run --tag exp=3 -e OMP -e NOPE -i in.txt -o out --salt v1 -- ./t 'a b' >/dev/null 2>&1
    local key
    key=$(fl query --keys)
    fl show "${key:0:4}" >show.out
    assert_file_has_line show.out "key            $key"
    assert_file_has_line show.out "name           t"
    assert_file_has_line show.out "command        ./t 'a b'"
    assert_file_has_line show.out "exit code      0"
    assert_file_has_line show.out "tags           exp=3"
    assert_file_has_line show.out "host           $(hostname)"
    assert_file_has_line show.out "cwd            $PWD"
    assert_file_has_line show.out "hits           0 (last use $(grep '^hits' show.out | sed 's/.*last use //')"
    assert_file_has_line show.out "key record (format 1):"
    assert_file_has_line show.out '  argv[1]                  "a b"'
    assert_file_has_line show.out "  tool                     $(sha256sum t | cut -c1-64)"
    assert_file_has_line show.out '  env NOPE                 unset'
    assert_file_has_line show.out '  env OMP                  "4"'
    assert_file_has_line show.out "  input in.txt             file $(sha256sum in.txt | cut -c1-64)"
    assert_file_has_line show.out '  salt                     "v1"'
    assert_file_has_line show.out '  output                   out'
    assert_file_has_line show.out "  dir  -           out"
    assert_file_has_line show.out "  file -       2B  out/f  $(sha256sum out/f | cut -c1-64)"
    for label in started "wall time" "cpu time" "max rss" user fleche size; do
        grep -q "^$label " show.out || fail "no '$label' line in show"
    done
}

case_streams() {
    make_counted t 'echo o1; sleep 0.1; echo e1 >&2; sleep 0.1; echo o2; sleep 0.1; echo e2 >&2'
    fl run -- ./t >/dev/null 2>&1
    local key
    key=$(fl query --keys)
    fl show --stdout "$key" >o.out 2>o.err
    assert_file_content o.out $'o1\no2\n'
    assert_file_content o.err ''
    fl show --stderr "${key:0:10}" >e.out
    assert_file_content e.out $'e1\ne2\n' "--stderr prints the captured stderr on stdout"
    fl show --log "$key" >l.out 2>l.err
    assert_file_content l.out $'o1\no2\n'
    assert_file_content l.err $'e1\ne2\n'
    fl show --log "$key" >both.out 2>&1
    fl run -- ./t >hit.out 2>&1
    assert_file_eq hit.out both.out "--log replays in the stored order, as a hit does"
    assert_eq 4 "$(wc -l <both.out)"
    assert_exit 125 fl show --stdout --json "$key"
}

case_json() {
    make_counted t 'echo hi; ln -sf target link'
    fl run --name lbl --tag k=v -o link -e HOME -- ./t x >/dev/null
    local key
    key=$(fl query --keys)
    fl show --json "$key" >s.json
    python3 -c '
import json, sys, os
e = json.load(open("s.json"))
assert e["key"] == sys.argv[1]
assert e["name"] == "lbl" and e["tags"] == {"k": "v"}
assert e["key_record"]["argv"] == ["./t", "x"]
assert e["key_record"]["env"] == {"HOME": os.environ["HOME"]}
assert e["key_record"]["outputs"] == ["link"]
assert e["key_record"]["salt"] is None and e["key_record"]["inputs"] == []
assert e["key_record_text"].startswith("fleche-key 1\nargv 3:./t\n")
assert e["outputs"] == [{"path": "link", "type": "link", "executable": False, "size": 0,
                         "blob": "", "target": "target", "discovered": False}], e["outputs"]
assert e["first_key"] is None and e["path_sets"] == []  # not traced
' "$key"
}

case_prefixes() {
    make_counted t 'echo "$1"'
    # Find two keys that share their first 4 hex digits.
    local i k
    declare -A seen
    local a='' b=''
    for i in $(seq 1 3000); do
        k=$(fl digest -- ./t "$i")
        if [[ -n "${seen[${k:0:4}]:-}" ]]; then
            a=${seen[${k:0:4}]} b=$i
            break
        fi
        seen[${k:0:4}]=$i
    done
    [[ -n "$b" ]] || fail "no shared 4-digit prefix found"
    fl run -- ./t "$a" >/dev/null
    fl run -- ./t "$b" >/dev/null
    local ka kb
    ka=$(fl digest -- ./t "$a") kb=$(fl digest -- ./t "$b")
    assert_exit 125 fl show "${ka:0:4}"
    local err
    err=$(cat "$AUX/last.err")
    assert_contains "$err" "fleche: key prefix '${ka:0:4}' is ambiguous; it starts "
    assert_contains "$err" "${ka:0:8}"
    assert_contains "$err" "${kb:0:8}"
    assert_file_content "$AUX/last.out" ''
    fl show --stdout "${ka:0:9}" >a.out
    assert_file_content a.out "$a"$'\n'
    assert_exit 125 fl show abc
    assert_contains "$(cat "$AUX/last.err")" "fleche: 'abc' is not a key; give at least 4 of its hex digits"
    assert_exit 125 fl show xyz12
    assert_exit 125 fl show 0000000000
    assert_contains "$(cat "$AUX/last.err")" "fleche: no stored entry has a key starting with '0000000000'"
}

run_case text case_text
run_case streams case_streams
run_case json case_json
run_case prefixes case_prefixes
finish
