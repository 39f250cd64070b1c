#!/usr/bin/env bash
# Names, tags and commands come from anyone's command line (or FLECHE_TAGS):
# query, show, explain, stats, gc and verify print their control characters
# as visible escapes, never raw; --json keeps them exact, escaped as JSON.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ESC=$'\e'

# no_raw_controls FILE WHAT: FILE holds no ESC, BEL or other C0 control but
# newlines and tabs, and no C1 control (U+0080..U+009F).
no_raw_controls() {
    assert_eq 0 "$(grep -c "$ESC" "$1" || true)" "$2: raw ESC"
    assert_eq 0 "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$1" || true)" "$2: raw control characters"
    assert_eq 0 "$(LC_ALL=C grep -c $'\xc2[\x80-\x9f]' "$1" || true)" "$2: raw C1 controls"
}

# One entry whose argument, name and tags hold terminal control sequences
# (y: U+009B, the one-character CSI).
store_hostile() {
    make_counted t 'echo hi'
    fl run --tag $'x=\e[31m' --tag $'y=\xc2\x9b1m' --name $'n\e[2J' -- ./t $'\e]0;pwned\a' >/dev/null
    KEY=$(fl query --keys)
}

case_query_table() {
    store_hostile
    fl query >table.out
    no_raw_controls table.out "query"
    assert_contains "$(sed -n 2p table.out)" "./t \$'\\x1b]0;pwned\\x07'" \
        "the command as \$'...' that a shell reads back"
    # The quoting is exact: the shell splits it back into the stored argument.
    local shown
    shown=$(sed -n 2p table.out | sed 's/.*\.\/t //')
    assert_eq $'\e]0;pwned\a' "$(eval "printf %s $shown")" "\$'...' gives back the argument"
    assert_eq "$KEY" "$(fl query --keys --cmd "*pwned*")" "--cmd still matches the stored bytes"
}

case_query_json() {
    store_hostile
    fl query --json >q.json
    no_raw_controls q.json "query --json"
    assert_contains "$(cat q.json)" '\u001b]0;pwned\u0007' "JSON escapes"
    assert_contains "$(cat q.json)" '"y":"\u009b1m"' "JSON escapes C1 controls too"
    python3 -c '
import json
e = json.load(open("q.json"))[0]
assert e["command"] == "./t '"'"'\x1b]0;pwned\x07'"'"'", e["command"]
assert e["name"] == "n\x1b[2J", e["name"]
assert e["tags"] == {"x": "\x1b[31m", "y": "\x9b1m"}, e["tags"]
'
}

case_show_text() {
    store_hostile
    fl show "$KEY" >show.out
    no_raw_controls show.out "show"
    assert_file_has_line show.out "name           n\\x1b[2J"
    assert_file_has_line show.out "command        ./t \$'\\x1b]0;pwned\\x07'"
    assert_file_has_line show.out "tags           x=\\x1b[31m y=\\xc2\\x9b1m"
    assert_file_has_line show.out '  argv[1]                  "\x1b]0;pwned\x07"'
}

case_show_json() {
    store_hostile
    fl show --json "$KEY" >s.json
    no_raw_controls s.json "show --json"
    python3 -c '
import json
e = json.load(open("s.json"))
assert e["key_record"]["argv"] == ["./t", "\x1b]0;pwned\x07"], e["key_record"]["argv"]
assert e["tags"] == {"x": "\x1b[31m", "y": "\x9b1m"}, e["tags"]
'
}

case_explain() {
    store_hostile
    capture hit fl explain --name $'n\e[2J' -- ./t $'\e]0;pwned\a'
    assert_eq 0 "$RC" "a hit"
    no_raw_controls hit.out "explain (hit)"
    assert_file_has_line hit.out "tags           x=\\x1b[31m y=\\xc2\\x9b1m"
    capture miss fl explain --name $'n\e[2J' -- ./t other
    assert_eq 1 "$RC" "a miss"
    no_raw_controls miss.out "explain (miss)"
    assert_contains "$(cat miss.out)" "(n\\x1b[2J, " "the closest entry's name"
    assert_contains "$(cat miss.out)" 'argv[1]: "\x1b]0;pwned\x07" -> "other"'
}

case_stats_by_name() {
    store_hostile
    fl stats --by name >stats.out
    no_raw_controls stats.out "stats --by name"
    assert_contains "$(cat stats.out)" "n\\x1b[2J "
}

case_gc_and_verify() {
    store_hostile
    fl gc --dry-run -v --max-entries 0 >gc.out 2>&1
    no_raw_controls gc.out "gc -v"
    assert_contains "$(cat gc.out)" "./t '\\x1b]0;pwned\\x07'" "gc -v names the command"
    find "$FLECHE_DIR/objects" -type f -delete
    capture v fl verify
    assert_eq 1 "$RC" "verify finds the broken entry"
    cat v.out v.err >verify.out
    no_raw_controls verify.out "verify"
    assert_contains "$(cat verify.out)" "./t '\\x1b]0;pwned\\x07'" "verify names the command"
}

run_case query_table case_query_table
run_case query_json case_query_json
run_case show_text case_show_text
run_case show_json case_show_json
run_case explain case_explain
run_case stats_by_name case_stats_by_name
run_case gc_and_verify case_gc_and_verify
finish
