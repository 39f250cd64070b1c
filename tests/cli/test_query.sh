#!/usr/bin/env bash
# fleche query: every filter, the orders, --limit, the table, --json, --keys
# and --rm; tags and names from --tag, --name and FLECHE_TAGS.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# keys_of ARGS...: the full keys `fleche query ARGS --keys` prints, sorted.
keys_of() { fl query "$@" --keys | sort; }
key_of() { fl digest "$@"; }

# Three entries: a (tag exp=1, name alpha), b (exit 3, tag exp=2), c (input).
setup_three() {
    make_counted tool 'echo "out $*"; case "$1" in fail) exit 3;; esac; exit 0'
    echo data >in.txt
    fl run --tag exp=1 --tag owner=ana --name alpha -- ./tool one --dt=0.1 >/dev/null
    fl run --cache-failures --tag exp=2 -- ./tool fail >/dev/null || true
    fl run -i in.txt -- ./tool three >/dev/null
    KA=$(key_of -- ./tool one --dt=0.1)
    KB=$(key_of --cache-failures -- ./tool fail)
    KC=$(key_of -i in.txt -- ./tool three)
}

case_filters() {
    setup_three
    assert_eq "$(printf '%s\n' "$KA" "$KB" "$KC" | sort)" "$(keys_of)" "no filter: all"
    assert_eq "$KA" "$(keys_of --name alpha)" "--name"
    assert_eq "$(printf '%s\n' "$KB" "$KC" | sort)" "$(keys_of --name 'to*')" "--name glob"
    assert_eq "$KC" "$(keys_of --cmd '*three')" "--cmd glob"
    assert_eq "" "$(keys_of --cmd 'three')" "--cmd matches the whole command line"
    assert_eq "$KA" "$(keys_of --arg --dt=0.1)" "--arg"
    assert_eq "" "$(keys_of --arg --dt=0.)" "--arg is an exact argument"
    assert_eq "$KB" "$(keys_of --tag exp=2)" "--tag NAME=VALUE"
    assert_eq "$(printf '%s\n' "$KA" "$KB" | sort)" "$(keys_of --tag exp)" "--tag NAME"
    assert_eq "$KA" "$(keys_of --tag exp --tag owner=ana)" "filters combine with AND"
    assert_eq "$KB" "$(keys_of --exit 3)" "--exit"
    assert_eq "$KB" "$(keys_of --failed)" "--failed"
    assert_eq "$KC" "$(keys_of --input ./in.txt)" "--input (normalised path)"
    assert_eq "" "$(keys_of --input other.txt)" "--input of nothing"
    assert_eq "$(printf '%s\n' "$KA" "$KB" "$KC" | sort)" "$(keys_of --since 1h)" "--since DURATION"
    assert_eq "" "$(keys_of --before 1h)" "--before DURATION"
    assert_eq "" "$(keys_of --since 2999-01-01)" "--since DATE"
    assert_eq 3 "$(keys_of --before 2999-01-01T00:00 | wc -l)" "--before DATE"
}

case_order_and_limit() {
    make_counted t 'echo "$*"; sleep "$1"'
    fl run -- ./t 0.3 >/dev/null
    fl run -- ./t 0 >/dev/null
    fl run -- ./t 0.1 >/dev/null
    fl run -- ./t 0 >/dev/null # one hit
    local k3 k0 k1
    k3=$(key_of -- ./t 0.3) k0=$(key_of -- ./t 0) k1=$(key_of -- ./t 0.1)
    assert_eq "$(printf '%s\n' "$k1" "$k0" "$k3")" "$(fl query --keys)" "newest first"
    assert_eq "$(printf '%s\n' "$k3" "$k1" "$k0")" "$(fl query --keys --sort duration)" "--sort duration"
    assert_eq "$k0" "$(fl query --keys --sort hits --limit 1)" "--sort hits --limit 1"
    assert_eq "$k1" "$(fl query --keys --limit 1)" "--limit"
    assert_exit 125 fl query --sort colour
    assert_contains "$(cat "$AUX/last.err")" "fleche: --sort: 'colour' is not an order"
}

case_table() {
    make_counted t 'echo hello'
    fl run -- ./t 'a b' "$(printf 'x%.0s' $(seq 1 100))" >/dev/null
    fl run -- ./t 'a b' "$(printf 'x%.0s' $(seq 1 100))" >/dev/null
    local key
    key=$(fl query --keys)
    COLUMNS=60 fl query >table.out
    assert_eq 2 "$(wc -l <table.out)" "header and one row"
    assert_eq "KEY AGE WALL EXIT SIZE HITS COMMAND" "$(head -1 table.out | tr -s ' ')" "header"
    local row
    row=$(sed -n 2p table.out)
    assert_eq "${key:0:8}" "${row:0:8}" "short key: first 8 hex digits"
    assert_eq 60 "${#row}" "command line truncated to COLUMNS"
    assert_contains "$row" "  0  " "exit code column"
    assert_contains "$row" "  1  ./t 'a b' xxx" "hits column, then the quoted command"
    [[ "$row" == *... ]] || fail "a truncated row ends with ...: [$row]"
    fl query | sed -n 2p >wide.out
    assert_contains "$(cat wide.out)" "$(printf 'x%.0s' $(seq 1 100))" "not truncated when not a terminal"
}

case_json() {
    setup_three
    fl query --json >q.json
    python3 -c '
import json, sys
entries = json.load(open("q.json"))
assert len(entries) == 3, entries
by = {e["key"]: e for e in entries}
a, b, c = by[sys.argv[1]], by[sys.argv[2]], by[sys.argv[3]]
assert a["name"] == "alpha" and b["name"] == "tool", (a["name"], b["name"])
assert a["tags"] == {"exp": "1", "owner": "ana"}, a["tags"]
assert b["exit_code"] == 3 and a["exit_code"] == 0
assert a["command"] == "./tool one --dt=0.1"
assert a["short_key"] == a["key"][:8]
assert a["hits"] == 0 and a["log_size"] == a["size"] > 0
for field in ("started", "started_ns", "stopped_ns", "wall_ns", "user_ns", "system_ns",
              "max_rss_kb", "host", "user", "cwd", "fleche_version", "outputs_size", "last_use_ns"):
    assert field in a, field
assert a["wall_ns"] == a["stopped_ns"] - a["started_ns"] >= 0
' "$KA" "$KB" "$KC"
    assert_eq "[]" "$(fl query --json --name nothing)" "no match: an empty array"
}

case_json_escapes_any_bytes() {
    make_counted t 'echo hi'
    fl run --tag 'q=say "hi"\' -- ./t "$(printf 'tab\there\001\377')" >/dev/null
    fl query --json >q.json
    python3 -c '
import json
e = json.load(open("q.json"))[0]
assert e["tags"] == {"q": "say \"hi\"\\"}, e["tags"]
assert "tab\there\u0001\ufffd" in e["command"], e["command"]
'
}

case_rm() {
    setup_three
    fl query --rm --tag exp 2>rm.err
    assert_file_content rm.err $'fleche: removed 2 entries; their unused blobs go at the next gc\n'
    assert_eq "$KC" "$(keys_of)" "only the untagged entry is left"
    fl run -- ./tool one --dt=0.1 >/dev/null
    assert_runs tool 4 "a removed entry is a miss"
    fl rm "${KC:0:6}" "$KA"
    assert_eq "" "$(keys_of)" "fleche rm removed both"
    # A bad prefix removes nothing.
    fl run -i in.txt -- ./tool three >/dev/null
    assert_exit 125 fl rm "$KC" zz12
    assert_eq "$KC" "$(keys_of)" "nothing removed when one KEY is bad"
}

case_tags_from_environment() {
    make_counted inner 'echo inner'
    printf '#!/bin/sh\n"$FLECHE_BIN" run -- ./inner\n' >outer
    chmod +x outer
    FLECHE_TAGS=exp=7,name=nightly fl run --tag owner=bo -- ./outer >/dev/null
    fl query --json >q.json
    python3 -c '
import json
by = {e["command"]: e for e in json.load(open("q.json"))}
outer, inner = by["./outer"], by["./inner"]
assert outer["name"] == "nightly", outer["name"]
assert outer["tags"] == {"exp": "7", "owner": "bo"}, outer["tags"]
assert inner["name"] == "inner", inner["name"]  # the name is not inherited
assert inner["tags"] == {"exp": "7", "owner": "bo"}, inner["tags"]  # the tags are
'
    assert_exit 125 fl run --tag 'bad name=1' -- ./inner
    assert_contains "$(cat "$AUX/last.err")" "fleche: --tag: 'bad name=1' is not a tag"
    assert_exit 125 env FLECHE_TAGS=novalue "$FLECHE_BIN" run -- ./inner
    assert_contains "$(cat "$AUX/last.err")" "fleche: FLECHE_TAGS: 'novalue' is not a tag"
    assert_exit 125 fl query --since yesterday
    assert_contains "$(cat "$AUX/last.err")" "fleche: --since: 'yesterday' is neither a duration"
}

run_case filters case_filters
run_case order_and_limit case_order_and_limit
run_case table case_table
run_case json case_json
run_case json_escapes_any_bytes case_json_escapes_any_bytes
run_case rm case_rm
run_case tags_from_environment case_tags_from_environment
finish
