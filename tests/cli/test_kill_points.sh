#!/usr/bin/env bash
# Kill points, data-driven: for every point of tests/cli/kill_points.txt,
# fleche is SIGKILLed there (FLECHE_TEST_KILL_POINT, src/util/test_hook.hpp)
# by the command that reaches it; it must really die there (exit 137), and
# afterwards verify (after --repair if it reports damage) is clean and the
# next run prints the command's exact output.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POINTS_FILE=$HERE/kill_points.txt
HOOK_DOC=$HERE/../../src/util/test_hook.hpp
source "$HERE/lib.sh"

# killed_at POINT CMD...: CMD must die by SIGKILL at POINT.
killed_at() {
    local point=$1
    shift
    FLECHE_TEST_KILL_POINT=$point capture k "$@"
    assert_eq 137 "$RC" "killed at $point: $(cat k.err)"
}

# consistent: verify is clean, or --repair fixes what it reports; then the
# command replays or reruns with its exact output, and no temp file is left.
consistent() {
    capture v fl verify
    if [[ $RC != 0 ]]; then
        fl verify --repair >/dev/null
        capture v fl verify
        assert_eq 0 "$RC" "verify after --repair: $(cat v.out v.err)"
    fi
    capture r fl run -o out.bin -- sh -c 'echo data >out.bin; echo hi'
    assert_eq 0 "$RC" "run after the kill: $(cat r.err)"
    assert_file_content r.out $'hi\n' "stdout after the kill"
    assert_file_content out.bin $'data\n' "output after the kill"
    [[ -z $(find . -name '*.tmp*' -o -name '.fleche*') ]] || fail "temp file left: $(find . -name '*.tmp*')"
}

store() { fl run -o out.bin -- sh -c 'echo data >out.bin; echo hi' >/dev/null; }
key() { fl digest -o out.bin -- sh -c 'echo data >out.bin; echo hi'; }

case_documented() {
    local point
    while IFS= read -r point; do
        grep -q -- "$point" "$HOOK_DOC" || fail "$point is not documented in test_hook.hpp"
    done <"$POINTS_FILE"
}

case_point() {
    local point=$1
    case $point in
        blob-* | entry-* | index-* | stored)
            killed_at "$point" fl run -o out.bin -- sh -c 'echo data >out.bin; echo hi' ;;
        format-written)
            killed_at "$point" fl run -- true ;;
        rm-*)
            store
            killed_at "$point" fl rm "$(key)" ;;
        repair-*)
            store
            find "$FLECHE_DIR/objects" -type f -delete
            killed_at "$point" fl verify --repair ;;
        lock-opened | log-chunk)
            killed_at "$point" fl run -o out.bin -- sh -c 'echo data >out.bin; echo hi' ;;
        stat-cache-*)
            killed_at "$point" fl run -- true ;;
        restore-written)
            store
            rm out.bin
            killed_at "$point" fl run -o out.bin -- sh -c 'echo data >out.bin; echo hi' ;;
        gc-temp-removed | gc-lock-removed)
            store
            mkdir -p "$FLECHE_DIR/tmp" "$FLECHE_DIR/locks"
            touch -d '2 days ago' "$FLECHE_DIR/tmp/left.tmp" "$FLECHE_DIR/locks/$(key)"
            killed_at "$point" fl gc ;;
        gc-*)
            store
            fl run -- sh -c 'echo other' >/dev/null
            killed_at "$point" fl gc --max-size 1 ;;
        index-moved-aside | index-rebuilt)
            store
            printf 'not a database' >"$FLECHE_DIR/index.sqlite"
            killed_at "$point" fl stats ;;
        *) fail "no command reaches $point" ;;
    esac
    consistent
}

run_case documented case_documented
while IFS= read -r _point; do
    run_case "kill_$_point" case_point "$_point"
done <"$POINTS_FILE"
finish
