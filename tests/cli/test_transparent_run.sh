#!/usr/bin/env bash
# Transparent runs: fleche behaves like the bare command at every edge, on a
# miss and on a hit — output that cannot be delivered, signals it receives,
# inherited signal dispositions, mask and fds, background descendants, and
# the order of stdout and stderr.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ------------------------------------------------- output that cannot be delivered

case_dev_full_miss() {
    make_counted c 'echo out; echo err >&2'
    local rc=0
    fl run -- ./c >/dev/full 2>r.err || rc=$?
    assert_eq 1 "$rc" "exit status when stdout cannot be written (CMD exited 0)"
    assert_file_has_line r.err "fleche: error: writing stdout: No space left on device"
    assert_eq 1 "$(fleche_lines r.err | wc -l)" "one line of fleche's own: $(fleche_lines r.err)"
    assert_eq err "$(strip_fleche r.err)" "stderr still delivered"
    assert_exit 1 fl has -- ./c
    capture r2 fl run -- ./c
    assert_file_content r2.out $'out\n'
    assert_runs c 2 "a run whose output was not delivered must not be stored"

    make_counted f 'echo out; exit 3'
    rc=0
    fl run --cache-failures -- ./f >/dev/full 2>f.err || rc=$?
    assert_eq 3 "$rc" "CMD's own non-zero status is kept"
    assert_exit 1 fl has --cache-failures -- ./f
}

case_dev_full_hit() {
    make_counted c 'echo out; echo err >&2'
    capture r1 fl run -- ./c
    local rc=0
    fl run -- ./c >/dev/full 2>r.err || rc=$?
    assert_eq 1 "$rc" "exit status of a hit whose stdout cannot be written"
    assert_file_has_line r.err "fleche: error: writing stdout: No space left on device"
    assert_eq err "$(strip_fleche r.err)" "stderr still replayed"
    assert_runs c 1 "it was a hit"

    make_counted f 'echo out; exit 3'
    fl run --cache-failures -- ./f >/dev/null || true
    rc=0
    fl run --cache-failures -- ./f >/dev/full 2>f.err || rc=$?
    assert_eq 3 "$rc" "the stored non-zero status is kept"
    assert_runs f 1
}

# try_mount ARGS...: mount, or skip the case where this machine does not let us.
try_mount() {
    mount "$@" 2>"$AUX/mount.err" || skip "cannot mount here: $(head -c 200 "$AUX/mount.err")"
}

case_full_disk() {
    [[ $(id -u) == 0 ]] || skip "mounting a small file system needs root"
    head -c 3000000 /dev/urandom >payload
    make_counted big 'cat payload; echo done >&2'
    mkdir full
    try_mount -t tmpfs -o size=1m tmpfs full
    trap 'umount "$PWD/full"' EXIT
    local rc=0
    fl run -- ./big >full/out 2>r.err || rc=$?
    assert_eq 1 "$rc" "exit status of a miss on a full disk"
    assert_file_has_line r.err "fleche: error: writing stdout: No space left on device"
    assert_exit 1 fl has -- ./big
    # Stored once there is room, then replayed onto the full disk.
    rm full/out
    head -c 1000000 /dev/zero >full/filler 2>/dev/null || true
    capture r2 fl run -- ./big
    assert_file_eq payload r2.out
    rc=0
    fl run -- ./big >full/out 2>r3.err || rc=$?
    assert_eq 1 "$rc" "exit status of a hit on a full disk"
    assert_file_has_line r3.err "fleche: error: writing stdout: No space left on device"
    assert_runs big 2
}

# CMD run bare and through fleche with one of its std fds closed fails
# alike; nothing is stored and the store stays intact.
case_closed_fd_miss() {
    make_counted c 'echo out; echo err >&2; echo more'
    local bare_rc=0 rc=0
    ./c >&- 2>bare.err || bare_rc=$?
    fl run -- ./c >&- 2>fl.err || rc=$?
    assert_ne 0 "$bare_rc" "fixture: the bare command fails writing a closed stdout"
    assert_eq "$bare_rc" "$rc" "exit status with stdout closed, as bare"
    strip_fleche fl.err >fl.cmd.err
    assert_file_eq bare.err fl.cmd.err "CMD's stderr with stdout closed, as bare"

    bare_rc=0 rc=0
    ./c 2>&- >bare.out || bare_rc=$?
    fl run -- ./c 2>&- >fl.out || rc=$?
    assert_eq "$bare_rc" "$rc" "exit status with stderr closed, as bare"
    assert_file_eq bare.out fl.out "stdout with stderr closed"

    assert_exit 1 fl has -- ./c
    assert_eq ok "$(sqlite3 "$FLECHE_DIR/index.sqlite" 'PRAGMA integrity_check')" "index intact"
    assert_exit 0 fl verify
    capture r fl run -- ./c
    assert_file_content r.out $'out\nmore\n'
    capture r2 fl run -- ./c
    assert_file_content r2.out $'out\nmore\n'
    assert_runs c 5 "stored only by the run with stdout and stderr open"
}

case_closed_fd_hit() {
    make_counted c 'echo out; echo err >&2'
    capture r1 fl run -- ./c
    local rc=0
    fl run -- ./c >&- 2>r.err || rc=$?
    assert_eq 1 "$rc" "a hit with stdout closed fails"
    assert_file_has_line r.err "fleche: error: writing stdout: Bad file descriptor"
    assert_eq err "$(strip_fleche r.err)"
    rc=0
    fl run -- ./c 2>&- >r2.out || rc=$?
    assert_eq 1 "$rc" "a hit with stderr closed fails"
    assert_file_content r2.out $'out\n'
    assert_runs c 1
    assert_exit 0 fl verify
}

# reader_gone OUT CMD...: run `fleche run -- CMD | head -c 1`; the exit codes
# of both land in $FL_RC and $HEAD_RC, what head printed in OUT.
reader_gone() {
    local out=$1
    shift
    set +e
    timeout -k 5 60 "$FLECHE_BIN" run "$@" | head -c 1 >"$out"
    local codes=("${PIPESTATUS[@]}")
    set -e
    FL_RC=${codes[0]}
    HEAD_RC=${codes[1]}
}

case_reader_gone_miss() {
    reader_gone y.out -- yes
    assert_eq 141 "$FL_RC" "fleche run -- yes | head: yes dies of SIGPIPE, as bare"
    assert_file_content y.out y
    reader_gone z.out -- cat /dev/zero
    assert_eq 141 "$FL_RC" "fleche run -- cat /dev/zero | head"
    assert_eq 1 "$(stat -c %s z.out)"
    assert_exit 1 fl has -- yes
    assert_exit 1 fl has --cache-failures -- cat /dev/zero
    assert_eq 0 "$(find "$FLECHE_DIR/tmp" -type f | wc -l)" "no temporary file left"

    # CMD that ignores SIGPIPE meets EPIPE itself, as it would bare.
    make_counted epipe 'trap "" PIPE; seq 1 1000000; echo "seq: $?" >&2'
    set +e
    timeout -k 5 60 "$FLECHE_BIN" run -- ./epipe 2>e.err | head -c 1 >e.out
    set -e
    assert_file_contains e.err "seq: 1"
}

case_reader_gone_hit() {
    make_counted s 'seq 1 300000'
    capture r1 fl run -- ./s
    reader_gone h.out -- ./s
    assert_eq 141 "$FL_RC" "a hit whose reader went away exits 128+SIGPIPE"
    assert_file_content h.out 1
    assert_runs s 1
}

# ------------------------------------------------------------- signals received

# signalled SIG: CMD traps SIG and exits 0; the run must not be stored.
signalled() {
    local sig=$1
    make_counted trapper "
trap 'echo got-$sig; exit 0' $sig
echo partial
echo \$\$ > ready.tmp && mv ready.tmp ready
while :; do sleep 0.05; done"
    "$FLECHE_BIN" run -v -- ./trapper >o 2>e &
    local pid=$!
    wait_for_file ready 20
    kill -"$sig" "$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_eq 0 "$rc" "CMD's exit code after it trapped SIG$sig"
    assert_file_content o $'partial\n'"got-$sig"$'\n'
    assert_file_contains e "fleche: not stored: fleche received SIG$sig"
    assert_exit 1 fl has -- ./trapper
    rm ready
}

case_signal_received_term() { signalled TERM; }
case_signal_received_hup() { signalled HUP; }

# ------------------------------------------- inherited dispositions and mask

# with_signals IGNORED BLOCKED CMD...: replace the shell with CMD, the signals
# named in IGNORED (comma separated, without SIG) ignored and those in BLOCKED
# blocked, and the dispositions that fleche changes (INT TERM HUP PIPE)
# otherwise at their default. Call it in a subshell: (with_signals ...).
with_signals() {
    exec python3 -c '
import os, signal, sys
ignored = [getattr(signal, "SIG" + s) for s in sys.argv[1].split(",") if s]
blocked = [getattr(signal, "SIG" + s) for s in sys.argv[2].split(",") if s]
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
    signal.signal(sig, signal.SIG_IGN if sig in ignored else signal.SIG_DFL)
for sig in ignored:
    signal.signal(sig, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
os.execvp(sys.argv[3], sys.argv[3:])' "$@"
}

case_signal_state_passed_on() {
    local state=(grep -E '^Sig(Ign|Blk)' /proc/self/status)
    local ignored blocked i=0
    for ignored in "" PIPE HUP INT,TERM HUP,PIPE,INT,TERM; do
        for blocked in "" USR1,TERM; do
            i=$((i + 1))
            (with_signals "$ignored" "$blocked" "${state[@]}") >bare.$i
            (with_signals "$ignored" "$blocked" "$FLECHE_BIN" run --no-store -- "${state[@]}") >fl.$i
            assert_file_eq bare.$i fl.$i "CMD's signal state with [$ignored] ignored, [$blocked] blocked"
        done
    done
}

case_nohup_survives_sighup() {
    make_counted job '
echo $$ > ready.tmp && mv ready.tmp ready
while [ ! -e go ]; do sleep 0.05; done
echo done'
    (with_signals HUP "" "$FLECHE_BIN" run -- ./job) >o 2>e &
    local pid=$!
    wait_for_file ready 20
    kill -HUP "$pid"
    kill -HUP "$(cat ready)"
    touch go
    local rc=0
    wait "$pid" || rc=$?
    assert_eq 0 "$rc" "fleche and CMD ignore SIGHUP under nohup"
    assert_file_content o $'done\n'
    assert_exit 0 fl has -- ./job
}

# ------------------------------------------------------- file descriptors

case_process_substitution() {
    capture c fl run -- cat <(echo hi)
    assert_eq 0 "$RC" "cat <(echo hi): $(cat c.err)"
    assert_file_content c.out $'hi\n'
    local bare_rc=0
    diff <(printf 'a\nb\n') <(printf 'a\nc\n') >bare.out || bare_rc=$?
    capture d fl run -- diff <(printf 'a\nb\n') <(printf 'a\nc\n')
    assert_eq "$bare_rc" "$RC" "diff <(a) <(b): $(cat d.err)"
    assert_file_eq bare.out d.out
}

case_fds_passed_unchanged() {
    # The shell's own fds, as CMD sees them: bare and through fleche alike.
    # No pipeline or command substitution: the shell would hold pipes then.
    make_counted lsfd 'touch made; ls -v /proc/$$/fd'
    echo input >in.txt
    echo data | ./lsfd 7<in.txt 9>>extra >bare.out
    echo data | fl run --stdin -i in.txt -o made -- ./lsfd 7<in.txt 9>>extra >fl.out
    assert_file_eq bare.out fl.out "fds seen by CMD (a stdin copy, the index, locks, blobs must not leak)"
    assert_file_has_line fl.out 7
    assert_file_has_line fl.out 9
    # Again on a store that exists, with a stat cache and an entry.
    echo other | fl run --stdin -i in.txt -o made -- ./lsfd 7<in.txt 9>>extra >fl2.out
    assert_file_eq bare.out fl2.out "fds seen by CMD with a store in use"
}

# ------------------------------------------------ background descendants

# alive PID: the process runs (a zombie no longer counts: here nobody may reap it).
alive() {
    local state
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

case_background_descendant() {
    make_counted bg 'sleep 30 & echo $! > bgpid; echo hi'
    trap 'kill $(cat bgpid*) 2>/dev/null || true' EXIT
    capture r fl run -v -- ./bg
    mv bgpid bgpid.1
    assert_eq 0 "$RC"
    assert_file_content r.out $'hi\n'
    alive "$(cat bgpid.1)" || fail "fleche waited for CMD's background sleep to end"
    assert_file_contains r.err "a background process of CMD kept its output open"
    capture r2 fl run -- ./bg
    assert_file_content r2.out $'hi\n'
    assert_runs bg 2 "a run whose pipes a background process held is not stored"
}

# What CMD wrote before it exited reaches a reader that is slower than the
# grace, and the run is stored: only a background process ends the wait early.
case_slow_reader_gets_everything() {
    # Less than the pipe fleche gives CMD holds, so CMD exits before anyone reads.
    make_counted big 'head -c 600000 /dev/zero; touch cmd-done'
    fl run -- ./big | {
        wait_for_file cmd-done
        head -c 300000 >part1 # fleche has seen CMD exit by now
        sleep 1.5 # a reader stalled for longer than the grace
        cat >part2
    }
    assert_eq 600000 "$(cat part1 part2 | wc -c)" "every byte CMD wrote reaches a slow reader"
    fl run -- ./big | wc -c >count
    assert_file_content count $'600000\n'
    assert_runs big 1 "a run read slowly is stored, and replayed"
}

# wait_for_line FILE LINE: wait until FILE has LINE.
wait_for_line() {
    local n=200
    until grep -qxF -- "$2" "$1" 2>/dev/null; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "timed out waiting for '$2' in $1"
        sleep 0.05
    done
}

# CMD's output reaches the reader while the store is still writing it: the
# log is recorded beside the tee, not in its way. The recorder is held at
# its first piece until the reader has seen all of CMD's output.
case_output_live_while_store_is_slow() {
    seq 1 200000 >payload # more than a log recorded without a thread of its own
    make_counted live 'cat payload; echo first; while [ ! -e seen ]; do sleep 0.01; done; echo second'
    mkfifo "$AUX/hold"
    release() { timeout 10 sh -c ': >"$1"' _ "$AUX/hold"; }
    FLECHE_TEST_HOLD_POINT="log-chunk:$AUX/hold" "$FLECHE_BIN" run -- ./live >r.out 2>r.err &
    local pid=$!
    trap 'release; kill $pid 2>/dev/null || true' EXIT
    wait_for_line r.out first
    touch seen
    wait_for_line r.out second
    alive $pid || fail "fleche exited with its recorder held"
    assert_exit 1 fl has -- ./live
    release || fail "fleche's recorder never reached the hold point"
    trap - EXIT
    local rc=0
    wait $pid || rc=$?
    assert_eq 0 "$rc" "fleche's status once the store was released: $(cat r.err)"
    { cat payload; echo first; echo second; } >expected
    assert_file_eq expected r.out "CMD's output, delivered before the store had it"
    capture r2 fl run -- ./live
    assert_file_eq expected r2.out "and stored whole"
    assert_runs live 1
}

# ------------------------------------------------------ cross-stream order

make_mix() {
    make_counted mix 'i=1
while [ $i -le 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i + 1)); done'
    local i
    for i in $(seq 1 300); do
        printf 'out %s\nerr %s\n' "$i" "$i"
    done >expected
}

case_merged_order_exact() {
    make_mix
    fl run -- ./mix >m1 2>&1
    assert_file_eq expected m1 "600 interleaved lines under >file 2>&1, on a miss"
    fl run -- ./mix >m2 2>&1
    assert_file_eq m1 m2 "and on the hit"
    assert_runs mix 1
    fl run -- ./mix 2>&1 | cat >m3
    assert_file_eq m1 m3 "and replayed to a pipe for both"
    assert_runs mix 1
    capture s fl show --log "$(fl digest -- ./mix)"
    assert_file_eq m1 s.out "show --log of a merged log"
}

case_merged_log_needs_one_file() {
    make_mix
    fl run -- ./mix >m1 2>&1
    # Separate files now: the merged log cannot be split; CMD runs again.
    capture r fl run -v -- ./mix
    assert_file_contains r.err "now they are not one file"
    grep '^out ' expected >want.out
    grep '^err ' expected >want.err
    assert_file_eq want.out r.out
    strip_fleche r.err >r.cmd.err
    assert_file_eq want.err r.cmd.err
    assert_runs mix 2
    # Its separated log replaced the entry: it serves both callers.
    capture r2 fl run -- ./mix
    assert_file_eq want.out r2.out
    fl run -- ./mix >m2 2>&1
    assert_runs mix 2
    sort m2 >m2.sorted
    sort expected >expected.sorted
    assert_file_eq expected.sorted m2.sorted "every line replayed (in the observed order)"
}

# has and explain answer as run would: a merged log is no hit for a caller
# whose stdout and stderr are separate files.
case_merged_log_has_explain() {
    make_mix
    fl run -- ./mix >m1 2>&1
    local key
    key=$(fl digest -- ./mix)
    assert_exit 1 fl has -- ./mix
    fl has -- ./mix >h.out 2>&1 || fail "has with stdout and stderr one file: $(cat h.out)"
    assert_exit 1 fl explain -- ./mix
    assert_file_content "$AUX/last.out" "miss ${key:0:8}: the stored run had stdout and stderr as one file, in exact order; now they are not one file"$'\n'
    fl explain -- ./mix >e.out 2>&1 || fail "explain with one file: $(cat e.out)"
    assert_eq "hit ${key:0:8}: run would replay this entry" "$(head -1 e.out)"
    assert_runs mix 1 "has and explain never run CMD"
    capture r fl run -- ./mix
    assert_runs mix 2 "and run indeed misses with separate files"
}

run_case dev_full_miss case_dev_full_miss
run_case dev_full_hit case_dev_full_hit
run_case full_disk case_full_disk
run_case closed_fd_miss case_closed_fd_miss
run_case closed_fd_hit case_closed_fd_hit
run_case reader_gone_miss case_reader_gone_miss
run_case reader_gone_hit case_reader_gone_hit
run_case signal_received_term case_signal_received_term
run_case signal_received_hup case_signal_received_hup
run_case signal_state_passed_on case_signal_state_passed_on
run_case nohup_survives_sighup case_nohup_survives_sighup
run_case process_substitution case_process_substitution
run_case fds_passed_unchanged case_fds_passed_unchanged
run_case background_descendant case_background_descendant
run_case slow_reader_gets_everything case_slow_reader_gets_everything
run_case output_live_while_store_is_slow case_output_live_while_store_is_slow
run_case merged_order_exact case_merged_order_exact
run_case merged_log_needs_one_file case_merged_log_needs_one_file
run_case merged_log_has_explain case_merged_log_has_explain
finish
