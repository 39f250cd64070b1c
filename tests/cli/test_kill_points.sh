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
    capture r fl run -o out.bin -- "${CMD[@]}"
    assert_eq 0 "$RC" "run after the kill: $(cat r.err)"
    assert_file_content r.out $'hi\n' "stdout after the kill"
    assert_file_content out.bin $'data\n' "output after the kill"
    local left
    left=$(find . -name '*.tmp*' -o -name '.fleche*')
    [[ -z $left ]] || fail "temp file left in the working tree: $left"
}

CMD=(sh -c 'echo data >out.bin; echo hi')
store() { fl run -o out.bin -- "${CMD[@]}" >/dev/null; }
key() { fl digest -o out.bin -- "${CMD[@]}"; }
hit() { fl run -o out.bin -- "${CMD[@]}" >/dev/null; }
# A restored tree: directories (one read-only), a file, a link.
TREE=(sh -c 'mkdir -p d/s && echo x >d/f && ln -sf f d/l && chmod 555 d/s')

case_documented() {
    local point
    while IFS= read -r point; do
        grep -q -- "$point" "$HOOK_DOC" || fail "$point is not documented in test_hook.hpp"
    done <"$POINTS_FILE"
}

case_point() {
    local point=$1
    case $point in
        format-* | store-directory-made | index-lock-taken | index-wal-enabled | index-created | \
            index-lock-released | index-checkpointed | key-lock-* | run-finished | stat-cache-temp* | \
            stat-cache-created | stat-cache-slot | stat-cache-commit | log-chunk | \
            blob-temp-created | blob-header-written | blob-written | blob-rename | blob-renamed | \
            storing-* | entry-* | index-begin | index-commit | stored)
            # The first run of a new store goes through all of storing.
            killed_at "$point" fl run -o out.bin -- "${CMD[@]}" ;;
        path-sets-*)
            # A traced run: its entry, then its first key's list of path sets.
            killed_at "$point" fl run --trace -o out.bin -- "${CMD[@]}"
            capture t fl run -v --trace -o out.bin -- "${CMD[@]}"
            assert_file_contains t.err "miss" "no list, or none in place: a miss"
            capture t fl run -v --trace -o out.bin -- "${CMD[@]}"
            assert_file_contains t.err "hit" "stored by the run after the kill" ;;
        run-started)
            # Clears the mark of the run that finished before.
            store
            killed_at "$point" fl run --refresh -o out.bin -- "${CMD[@]}" ;;
        stat-cache-begin)
            # Another file learnt: the existing stat cache is written to.
            store
            killed_at "$point" fl run -- true ;;
        index-leftover-removed)
            # What a killed rebuild left, removed before the next rebuild.
            store
            rm "$FLECHE_DIR"/index.sqlite*
            touch "$FLECHE_DIR/tmp/index.sqlite.rebuild" "$FLECHE_DIR/tmp/index.sqlite.rebuild-wal"
            killed_at "$point" fl stats ;;
        store-directory-created | store-file-created | index-file-shared)
            # A store shared with a group: what fleche creates gets the store's mode after.
            export FLECHE_UMASK=002
            killed_at "$point" fl run -o out.bin -- "${CMD[@]}" ;;
        blob-streaming | blob-chunk-written | blob-stream-ended)
            # A blob too large to be held: streamed through the compressor.
            killed_at "$point" fl run -o big.bin -- sh -c 'head -c 300000 /dev/zero >big.bin' ;;
        hit-log-locked | hit-logged | restore-written | restore-linked)
            store
            rm out.bin
            killed_at "$point" fl run -o out.bin -- "${CMD[@]}" ;;
        hit-log-leftover-taken)
            # A fold killed with the log taken away leaves it to gc.
            store
            hit
            killed_at hit-log-taken fl stats
            ls "$FLECHE_DIR"/hits.log.* >/dev/null
            killed_at "$point" fl gc ;;
        hit-log-*)
            store
            hit
            killed_at "$point" fl stats ;;
        restore-dir-cleared)
            store
            rm out.bin
            mkdir -p out.bin/sub
            killed_at "$point" fl run -o out.bin -- "${CMD[@]}" ;;
        beneath-directory-made)
            # A restored file's missing parents are made one at a time.
            fl run -o sub/deep/f -- sh -c 'mkdir -p sub/deep && echo x >sub/deep/f' >/dev/null
            rm -r sub
            killed_at "$point" fl run -o sub/deep/f -- sh -c 'mkdir -p sub/deep && echo x >sub/deep/f' ;;
        restore-* | tree-child-removed)
            fl run -o d -- "${TREE[@]}" >/dev/null
            killed_at "$point" fl run -o d -- "${TREE[@]}"
            fl run -o d -- "${TREE[@]}" >/dev/null
            [[ $(readlink d/l) == f && $(cat d/f) == x && $(stat -c %a d/s) == 555 ]] ||
                fail "the tree is not restored after the kill: $(ls -lR d)" ;;
        lock-opened)
            # A stale entry's background refresh is the one that only tries the lock.
            store
            killed_at "$point" fl run --background-refresh "$(key)" -o out.bin -- "${CMD[@]}" ;;
        counters-bumped)
            # A damaged entry file is counted as an error.
            store
            local k
            k=$(key)
            printf 'damaged' >"$FLECHE_DIR/entries/${k:0:2}/${k:2}"
            killed_at "$point" fl run -o out.bin -- "${CMD[@]}" ;;
        counters-reset)
            store
            killed_at "$point" fl stats --zero ;;
        index-aside-removed | index-wal-moved | index-wal-aside | index-moved-aside | rebuild-* | index-rebuil* | \
            index-replaced)
            store
            touch "$FLECHE_DIR/index.sqlite.damaged-20000101T000000Z" # an earlier one
            printf 'not a database' >"$FLECHE_DIR/index.sqlite"
            killed_at "$point" fl stats ;;
        migrate-* | store-entries-made)
            # A 0.1 store: an index and no entry files nor layout file.
            store
            fl run -- sh -c 'echo other' >/dev/null
            rm -r "$FLECHE_DIR/entries" "$FLECHE_DIR/format"
            killed_at "$point" fl stats ;;
        rm-*)
            store
            killed_at "$point" fl rm "$(key)" ;;
        repair-entry | repair-orphans)
            store
            find "$FLECHE_DIR/objects" -type f -delete
            killed_at "$point" fl verify --repair ;;
        repair-blob-removed)
            store
            find "$FLECHE_DIR/objects" -type f -exec sh -c 'printf junk >"$1"' sh {} \;
            killed_at "$point" fl verify --repair ;;
        repair-orphan-removed)
            store
            fl rm "$(key)" >/dev/null
            killed_at "$point" fl verify --repair ;;
        gc-temp-removed | gc-lock-removed | gc-checkpointed)
            store
            mkdir -p "$FLECHE_DIR/tmp" "$FLECHE_DIR/locks"
            touch -d '2 days ago' "$FLECHE_DIR/tmp/left.tmp" "$FLECHE_DIR/locks/$(key)"
            killed_at "$point" fl gc ;;
        auto-gc-stamped)
            # A run that takes the store over its limit starts a gc.
            store
            fl gc --max-size 1G >/dev/null # measures the store
            FLECHE_MAX_SIZE=1 killed_at "$point" fl run -- sh -c 'echo other' ;;
        gc-vacuumed)
            # Rows large enough that evicting them frees whole pages of the index.
            local i long
            long=$(printf '%04000d' 0)
            for i in 1 2 3 4 5 6; do fl run -- echo "$i$long" >/dev/null; done
            killed_at "$point" fl gc --max-size 1 ;;
        gc-* | barrier-reset | usage-line-written)
            store
            fl run -- sh -c 'echo other' >/dev/null
            killed_at "$point" fl gc --max-size 1 ;;
        *) fail "no command reaches $point" ;;
    esac
    consistent
}

# The hits of a fold killed with the log taken away are not lost: gc folds them.
case_leftover_hits_folded() {
    store
    hit
    killed_at hit-log-taken fl stats
    fl gc >/dev/null
    [[ -z $(find "$FLECHE_DIR" -name 'hits.log.*') ]] || fail "the leftover log is still there"
    capture s fl stats
    assert_file_has_line s.out "hits         1"
}

run_case documented case_documented
run_case leftover_hits_folded case_leftover_hits_folded
while IFS= read -r _point; do
    run_case "kill_$_point" case_point "$_point"
done <"$POINTS_FILE"
finish
