# Shared helpers for the end-to-end tests in tests/cli/test_*.sh.
#
# Usage (from a test script):
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#     case_foo() { ...; }
#     run_case foo case_foo
#     finish
#
# Environment: FLECHE_BIN (the built binary, required), FLECHE_SOURCE_DIR (repo root).
#
# Every case runs in a subshell with `set -e`, in a fresh working directory
# ($SCRATCH/work/NN_name) and with a fresh store (FLECHE_DIR=$SCRATCH/store/NN_name),
# so cases are independent of each other.  A case fails when any command in it
# fails or when an assert_* helper / fail is called.  The scratch directory is
# kept (and its path printed) when anything failed, deleted otherwise.

set -euo pipefail

if [[ -z "${FLECHE_BIN:-}" ]]; then
    echo "lib.sh: FLECHE_BIN is not set (path to the fleche binary)" >&2
    exit 2
fi
if [[ "$FLECHE_BIN" != /* ]]; then
    FLECHE_BIN=$PWD/$FLECHE_BIN
fi
if [[ ! -x "$FLECHE_BIN" ]]; then
    echo "lib.sh: FLECHE_BIN=$FLECHE_BIN is not an executable file" >&2
    exit 2
fi
export FLECHE_BIN
export FLECHE_SOURCE_DIR=${FLECHE_SOURCE_DIR:-}

# Forget any FLECHE_* configuration of the caller (except ours).
while IFS= read -r _v; do
    case $_v in
        FLECHE_BIN | FLECHE_SOURCE_DIR) ;;
        FLECHE_*) unset "$_v" ;;
    esac
done < <(compgen -e)
unset _v

export LC_ALL=C
# fleche ignores a fleche.toml that group or others may write: the files the
# cases write must not depend on the caller's umask.
umask 022
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fleche-cli.XXXXXX")
SCRATCH=$(cd "$SCRATCH" && pwd -P)
export SCRATCH
cd "$SCRATCH"
mkdir -p "$SCRATCH/store" "$SCRATCH/work" "$SCRATCH/aux" "$SCRATCH/logs"
export FLECHE_DIR=$SCRATCH/store
# No user configuration of the caller (~/.config/fleche/config.toml) either.
export XDG_CONFIG_HOME=$SCRATCH/config

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
CASE_NO=0
_FINISHED=0

_cleanup() {
    local rc=$?
    if [[ $rc -ne 0 || $FAILED -ne 0 || $_FINISHED -eq 0 ]]; then
        echo "scratch directory kept: $SCRATCH" >&2
    else
        chmod -R u+rwx "$SCRATCH" 2>/dev/null || true
        rm -rf "$SCRATCH"
    fi
}
trap _cleanup EXIT

# ---------------------------------------------------------------- running cases

# run_case NAME FUNCTION [ARGS...]
run_case() {
    local name=$1
    shift
    CASE_NO=$((CASE_NO + 1))
    local id
    id=$(printf '%02d_%s' "$CASE_NO" "$name")
    local dir=$SCRATCH/work/$id
    local log=$SCRATCH/logs/$id.log
    mkdir -p "$dir" "$SCRATCH/aux/$id"
    local rc
    set +e
    (
        set -e
        CASE_ID=$id
        AUX=$SCRATCH/aux/$id
        export FLECHE_DIR=$SCRATCH/store/$id
        cd "$dir"
        "$@"
    ) >"$log" 2>&1 </dev/null
    rc=$?
    set -e
    if [[ $rc -eq 0 ]]; then
        PASSED=$((PASSED + 1))
        echo "ok   - $name"
    elif [[ $rc -eq 77 ]]; then
        SKIPPED=$((SKIPPED + 1))
        echo "skip - $name: $(tail -n 1 "$log")"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        echo "FAIL - $name (exit $rc; work dir $dir)"
        sed 's/^/    | /' "$log" | tail -n 60
    fi
}

# finish: print the summary line and exit accordingly.
finish() {
    _FINISHED=1
    if [[ $FAILED -ne 0 ]]; then
        echo "failed cases: ${FAILED_NAMES[*]}"
    fi
    if [[ $SKIPPED -ne 0 ]]; then
        echo "$SKIPPED skipped"
    fi
    echo "$PASSED passed, $FAILED failed"
    if [[ $FAILED -ne 0 ]]; then
        exit 1
    fi
    exit 0
}

# ---------------------------------------------------------------- running fleche

# fl ARGS...: run the fleche binary (with a generous safety timeout so that a
# hang fails the case instead of the whole CTest run).
fl() {
    timeout --foreground -k 5 "${FL_TIMEOUT:-120}" "$FLECHE_BIN" "$@"
}

# capture PREFIX CMD [ARGS...]: run CMD with stdout -> PREFIX.out, stderr ->
# PREFIX.err, never failing; the exit code is left in $RC (and PREFIX.rc).
RC=0
capture() {
    local prefix=$1
    shift
    RC=0
    "$@" >"$prefix.out" 2>"$prefix.err" || RC=$?
    echo "$RC" >"$prefix.rc"
}

# ---------------------------------------------------------------- assertions

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# skip REASON: end the current case as skipped (not counted as passed).
skip() {
    echo "$*"
    exit 77
}

# assert_eq EXPECTED ACTUAL [MSG]
assert_eq() {
    if [[ "$1" != "$2" ]]; then
        fail "${3:-values differ}: expected [$1], got [$2]"
    fi
}

# assert_ne UNEXPECTED ACTUAL [MSG]
assert_ne() {
    if [[ "$1" == "$2" ]]; then
        fail "${3:-values are equal}: both are [$1]"
    fi
}

# assert_file_eq EXPECTED_FILE ACTUAL_FILE [MSG]: byte-for-byte comparison.
assert_file_eq() {
    [[ -e "$1" ]] || fail "${3:-files differ}: expected file $1 does not exist"
    [[ -e "$2" ]] || fail "${3:-files differ}: file $2 does not exist"
    if ! cmp -s "$1" "$2"; then
        local why
        why=$(cmp "$1" "$2" 2>&1 | head -n 1 || true)
        fail "${3:-files differ}: $1 vs $2: $why (sizes $(stat -c %s "$1") vs $(stat -c %s "$2"))" \
            "$(_preview "$1" "$2")"
    fi
}

_preview() {
    local f
    for f in "$@"; do
        if [[ $(stat -c %s "$f") -le 400 ]]; then
            printf '\n  --- %s:\n%s' "$f" "$(od -c "$f" | head -n 20)"
        fi
    done
}

# assert_file_content FILE STRING [MSG]: FILE holds exactly STRING (printf %s).
assert_file_content() {
    local want=$AUX/want.$RANDOM
    printf '%s' "$2" >"$want"
    assert_file_eq "$want" "$1" "${3:-unexpected file content}"
}

# assert_contains HAYSTACK NEEDLE [MSG]: string containment.
assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        fail "${3:-string not found}: [$2] not in [$1]"
    fi
}

# assert_not_contains HAYSTACK NEEDLE [MSG]
assert_not_contains() {
    if [[ "$1" == *"$2"* ]]; then
        fail "${3:-unexpected string found}: [$2] in [$1]"
    fi
}

# assert_file_contains FILE NEEDLE [MSG]: FILE contains the fixed string NEEDLE.
assert_file_contains() {
    [[ -e "$1" ]] || fail "${3:-string not found}: file $1 does not exist"
    if ! grep -qF -e "$2" "$1"; then
        fail "${3:-string not found}: [$2] not in $1: $(head -c 1000 "$1")"
    fi
}

# assert_file_has_line FILE LINE [MSG]: FILE contains LINE as a whole line.
assert_file_has_line() {
    [[ -e "$1" ]] || fail "${3:-line not found}: file $1 does not exist"
    if ! grep -qxF -e "$2" "$1"; then
        fail "${3:-line not found}: [$2] is not a line of $1: $(head -c 1000 "$1")"
    fi
}

# assert_exit CODE CMD [ARGS...]: run CMD (stdout/stderr kept in $AUX/last.out
# and $AUX/last.err) and check its exit code.
assert_exit() {
    local want=$1
    shift
    local rc=0
    "$@" >"$AUX/last.out" 2>"$AUX/last.err" || rc=$?
    if [[ "$rc" != "$want" ]]; then
        fail "expected exit $want from [$*], got $rc; stderr: $(head -c 600 "$AUX/last.err")"
    fi
}

# assert_runs NAME N [MSG]: the counted command NAME really ran N times in total.
assert_runs() {
    assert_eq "$2" "$(runs "$1")" "${3:-number of real runs of $1}"
}

# assert_is_hex64 STRING [MSG]
assert_is_hex64() {
    if [[ ! "$1" =~ ^[0-9a-f]{64}$ ]]; then
        fail "${2:-not a 64-hex-char digest}: [$1]"
    fi
}

# strip_fleche FILE: FILE without the lines fleche itself printed ("fleche: ...").
strip_fleche() {
    grep -v '^fleche: ' "$1" || true
}

# fleche_lines FILE: only the lines fleche itself printed.
fleche_lines() {
    grep '^fleche: ' "$1" || true
}

# ---------------------------------------------------------------- fixtures

# make_counted NAME BODY: create the executable ./NAME (sh script) which records
# every real run in a counter file, then executes BODY (sh code, "$@" available).
# `runs NAME` prints how many times it really ran.  The counter file lives
# outside the working directory, so it never disturbs directory/glob inputs,
# and its absolute path is part of the script, so a copy of the script counts
# in the same file.
make_counted() {
    local name=$1 body=$2
    local counter=$AUX/count.${name//\//_}
    {
        printf '#!/bin/sh\n'
        printf 'echo run >> '\''%s'\''\n' "$counter"
        printf '%s\n' "$body"
    } >"$name"
    chmod +x "$name"
}

# runs NAME: number of real runs of the counted command NAME.
runs() {
    local counter=$AUX/count.${1//\//_}
    if [[ -f "$counter" ]]; then
        wc -l <"$counter" | tr -d ' '
    else
        echo 0
    fi
}

# all_bytes FILE: write the 256 byte values 0..255 to FILE.
all_bytes() {
    local i s=''
    for i in $(seq 0 255); do
        s+=$(printf '\\%03o' "$i")
    done
    printf "$s" >"$1"
    [[ $(stat -c %s "$1") -eq 256 ]] || fail "all_bytes produced $(stat -c %s "$1") bytes"
}

# flip_byte FILE OFFSET: invert every bit of the byte at OFFSET in place.
flip_byte() {
    local f=$1 off=$2 b
    b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' \n')
    [[ -n "$b" ]] || fail "flip_byte: no byte at offset $off of $f"
    printf "$(printf '\\%03o' $((b ^ 255)))" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# wait_for_file FILE [SECONDS]: wait until FILE exists.
wait_for_file() {
    local f=$1 n=$((${2:-10} * 20))
    while [[ ! -e "$f" ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "timed out waiting for $f"
        sleep 0.05
    done
}

# digest8 ARGS...: first 8 chars of `fleche digest ARGS...`.
digest8() {
    local d
    d=$(fl digest "$@")
    printf '%s' "${d:0:8}"
}

# wait_stopped PID: until the process has stopped itself (SIGSTOP).
wait_stopped() {
    local n=200
    until [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == T ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "process $1 did not stop at the test hook"
        sleep 0.05
    done
}

# wait_lock_waiter PID: until PID waits for a lock (a "->" line in /proc/locks).
wait_lock_waiter() {
    local n=200
    until awk -v pid="$1" '$2 == "->" && $6 == pid {found = 1} END {exit !found}' /proc/locks; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "process $1 does not wait for a lock"
        sleep 0.05
    done
}

# entry_file_count: how many entry files the store holds.
entry_file_count() {
    if [[ -d $FLECHE_DIR/entries ]]; then
        find "$FLECHE_DIR/entries" -type f | wc -l | tr -d ' '
    else
        echo 0
    fi
}
