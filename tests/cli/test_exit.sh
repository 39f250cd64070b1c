#!/usr/bin/env bash
# Exit codes: passthrough, failures (not) cached, signals, forwarding, 126/127.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_passthrough() {
    make_counted ex 'echo "code $1"; exit "$1"'
    local code
    for code in 0 1 2 42 100 255; do
        capture r$code fl run -- ./ex "$code"
        assert_eq "$code" "$RC" "exit code passthrough for $code"
        assert_file_content r$code.out "code $code"$'\n' "stdout for $code"
    done
}

case_failure_not_stored_by_default() {
    make_counted ex3 'echo "out"; echo "err" >&2; exit 3'
    capture r1 fl run -- ./ex3
    assert_eq 3 "$RC" "first run exit code"
    assert_runs ex3 1
    capture r2 fl run -- ./ex3
    assert_eq 3 "$RC" "second run exit code"
    assert_runs ex3 2 "exit 3 must not be stored without --cache-failures"
    assert_file_content r2.out $'out\n'
    assert_file_content r2.err $'err\n'
    assert_exit 1 fl has -- ./ex3
    assert_exit 1 fl has --cache-failures -- ./ex3
}

case_cache_failures() {
    make_counted ex3 'echo "out"; echo "err" >&2; exit 3'
    capture r1 fl run --cache-failures -- ./ex3
    assert_eq 3 "$RC" "first run exit code"
    assert_file_content r1.out $'out\n'
    assert_file_content r1.err $'err\n'
    capture r2 fl run --cache-failures -- ./ex3
    assert_eq 3 "$RC" "replayed exit code"
    assert_runs ex3 1 "the failure must be stored and replayed with --cache-failures"
    assert_file_content r2.out $'out\n' "replayed stdout"
    assert_file_content r2.err $'err\n' "replayed stderr"
    assert_exit 0 fl has --cache-failures -- ./ex3
}

case_failed_entry_needs_flag() {
    make_counted ex3 'echo "out"; exit 3'
    capture r1 fl run --cache-failures -- ./ex3
    assert_eq 3 "$RC"
    assert_runs ex3 1
    # Without the flag an entry with a non-zero exit code is not replayed.
    assert_exit 1 fl has -- ./ex3
    capture r2 fl run -- ./ex3
    assert_eq 3 "$RC"
    assert_runs ex3 2 "an entry with exit 3 must only be replayed with --cache-failures"
    assert_file_content r2.out $'out\n'
    # It is still there for runs with the flag.
    assert_exit 0 fl has --cache-failures -- ./ex3
    capture r3 fl run --cache-failures -- ./ex3
    assert_eq 3 "$RC"
    assert_runs ex3 2
}

case_killed_by_signal() {
    make_counted sig 'echo before; kill -TERM $$; echo after'
    capture r1 fl run -- ./sig
    assert_eq 143 "$RC" "killed by SIGTERM -> 128+15"
    assert_file_content r1.out $'before\n' "output before the signal reaches the user"
    capture r2 fl run -- ./sig
    assert_eq 143 "$RC"
    assert_runs sig 2 "a run killed by a signal must not be stored"
    capture r3 fl run --cache-failures -- ./sig
    assert_eq 143 "$RC"
    capture r4 fl run --cache-failures -- ./sig
    assert_eq 143 "$RC"
    assert_runs sig 4 "killed by a signal: never stored, even with --cache-failures"
    assert_exit 1 fl has --cache-failures -- ./sig

    make_counted sigkill 'kill -KILL $$'
    capture k1 fl run --cache-failures -- ./sigkill
    assert_eq 137 "$RC" "killed by SIGKILL -> 128+9"
    capture k2 fl run --cache-failures -- ./sigkill
    assert_eq 137 "$RC"
    assert_runs sigkill 2
}

# forward_signal SIG CODE: start fleche on a script trapping SIG, send SIG to
# fleche, expect the script to see it and fleche to exit with the script's code.
forward_signal() {
    local sig=$1 code=$2
    make_counted trapper "
trap 'echo got-$sig > marker; exit $code' $sig
echo \$\$ > ready.tmp && mv ready.tmp ready
while :; do sleep 0.1; done"
    if [[ $sig == INT ]]; then
        # Background jobs of a non-interactive shell start with SIGINT ignored,
        # and a shell cannot trap a signal ignored at entry: start fleche with
        # the default disposition, as from a terminal.
        python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$FLECHE_BIN" run -- ./trapper >o 2>e &
    else
        "$FLECHE_BIN" run -- ./trapper >o 2>e &
    fi
    local pid=$!
    wait_for_file ready 20
    local child
    child=$(cat ready)
    kill -"$sig" "$pid"
    local n=200
    while kill -0 "$pid" 2>/dev/null && [[ $n -gt 0 ]]; do
        sleep 0.05
        n=$((n - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$child" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        fail "fleche did not exit within 10 s after SIG$sig (marker: $(cat marker 2>/dev/null || echo none))"
    fi
    local rc=0
    wait "$pid" || rc=$?
    kill -KILL "$child" 2>/dev/null || true
    [[ -e marker ]] || fail "SIG$sig sent to fleche was not forwarded to CMD (no marker file); fleche exit $rc"
    assert_file_content marker "got-$sig"$'\n' "marker"
    assert_eq "$code" "$rc" "fleche exits with CMD's exit code after forwarding SIG$sig"
    assert_exit 1 fl has -- ./trapper
}

case_forward_sigterm() { forward_signal TERM 7; }
case_forward_sighup() { forward_signal HUP 9; }
case_forward_sigint() { forward_signal INT 11; }

case_forward_sigterm_kills_cmd() {
    # CMD does not trap the signal: it dies of it and fleche reports 128+15.
    make_counted sleeper 'echo $$ > ready.tmp && mv ready.tmp ready; exec sleep 30'
    "$FLECHE_BIN" run -- ./sleeper >o 2>e &
    local pid=$!
    wait_for_file ready 20
    local child
    child=$(cat ready)
    kill -TERM "$pid"
    local n=200
    while kill -0 "$pid" 2>/dev/null && [[ $n -gt 0 ]]; do
        sleep 0.05
        n=$((n - 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$child" "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        fail "fleche did not exit within 10 s after SIGTERM"
    fi
    local rc=0
    wait "$pid" || rc=$?
    if kill -0 "$child" 2>/dev/null; then
        kill -KILL "$child" 2>/dev/null || true
        fail "CMD still running after SIGTERM was sent to fleche (not forwarded)"
    fi
    assert_eq 143 "$rc" "exit code after forwarded SIGTERM killed CMD"
    assert_exit 1 fl has --cache-failures -- ./sleeper
}

case_command_not_found() {
    capture r fl run -- no-such-command-fleche-test arg
    assert_eq 127 "$RC" "exit code for a command not found"
    assert_file_has_line r.err "fleche: no-such-command-fleche-test: command not found"
    assert_eq 0 "$(stat -c %s r.out)" "nothing on stdout"

    capture p fl run -- ./no-such-file
    assert_eq 127 "$RC" "exit code for a missing ./path"
    assert_eq "fleche: " "$(head -c 8 p.err)" "message prefix"
}

case_not_executable() {
    printf '#!/bin/sh\necho should-not-run\n' >noexec
    chmod 644 noexec
    capture r fl run -- ./noexec
    assert_eq 126 "$RC" "exit code for a non-executable file"
    assert_eq "fleche: " "$(head -c 8 r.err)" "message prefix"
    assert_eq 0 "$(stat -c %s r.out)" "CMD did not run"

    mkdir adir
    capture d fl run -- ./adir
    assert_eq 126 "$RC" "exit code for a directory as CMD"
    assert_eq "fleche: " "$(head -c 8 d.err)" "message prefix"
}

case_not_executable_on_path() {
    mkdir bin
    printf '#!/bin/sh\necho should-not-run\n' >bin/nox-fleche-test
    chmod 644 bin/nox-fleche-test
    capture r env PATH="$PWD/bin:$PATH" "$FLECHE_BIN" run -- nox-fleche-test
    # bash says 126 when the only match on PATH is not executable; fleche
    # must at least not run it and must fail with 126 or 127.
    [[ $RC == 126 || $RC == 127 ]] || fail "expected 126 or 127, got $RC"
    assert_eq "fleche: " "$(head -c 8 r.err)" "message prefix"
    assert_eq 0 "$(stat -c %s r.out)" "CMD did not run"
}

run_case passthrough case_passthrough
run_case failure_not_stored_by_default case_failure_not_stored_by_default
run_case cache_failures case_cache_failures
run_case failed_entry_needs_flag case_failed_entry_needs_flag
run_case killed_by_signal case_killed_by_signal
run_case forward_sigterm case_forward_sigterm
run_case forward_sighup case_forward_sighup
run_case forward_sigint case_forward_sigint
run_case forward_sigterm_kills_cmd case_forward_sigterm_kills_cmd
run_case command_not_found case_command_not_found
run_case not_executable case_not_executable
run_case not_executable_on_path case_not_executable_on_path
finish
