#!/usr/bin/env bash
# Replay of stdout/stderr on a hit: exact bytes, original order, nothing extra.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A command alternating writes to fd 1 and fd 2 (sh's echo is unbuffered).
case_interleaving() {
    make_counted inter '
for i in 1 2 3 4 5 6; do
  echo "out $i"; sleep 0.1
  echo "err $i" >&2; sleep 0.1
done
printf "out-last"; sleep 0.1; printf "err-last" >&2'
    local i
    : >want.both
    : >want.out
    : >want.err
    for i in 1 2 3 4 5 6; do
        printf 'out %s\nerr %s\n' "$i" "$i" >>want.both
        printf 'out %s\n' "$i" >>want.out
        printf 'err %s\n' "$i" >>want.err
    done
    printf 'out-lasterr-last' >>want.both
    printf 'out-last' >>want.out
    printf 'err-last' >>want.err

    # Miss: everything reaches the terminal live and in order.
    fl run -- ./inter >miss.both 2>&1
    assert_file_eq want.both miss.both "miss: merged stdout+stderr"
    assert_runs inter 1

    # Hit, merged: same order, byte for byte.
    fl run -- ./inter >hit.both 2>&1
    assert_file_eq want.both hit.both "hit: merged stdout+stderr order"
    assert_runs inter 1 "CMD must not run on a hit"

    # Separate files: a merged log cannot be split, so CMD runs again and
    # its log, kept in two streams, replaces the entry.
    fl run -- ./inter >miss.out 2>miss.err
    assert_file_eq want.out miss.out "separate: stdout alone"
    assert_file_eq want.err miss.err "separate: stderr alone (nothing extra from fleche)"
    assert_runs inter 2
    fl run -- ./inter >hit.out 2>hit.err
    assert_file_eq want.out hit.out "hit: stdout alone"
    assert_file_eq want.err hit.err "hit: stderr alone (nothing extra from fleche)"

    # Hit through pipes, merged again: the order fleche observed (writes
    # 0.1 s apart are observed in order).
    fl run -- ./inter 2>&1 | cat >hit2.both
    assert_file_eq want.both hit2.both "hit through a pipe: merged order"
    assert_runs inter 2
}

case_separate_streams_on_miss() {
    make_counted two 'echo to-stdout; echo to-stderr >&2; echo more-stdout'
    fl run -- ./two >m.out 2>m.err
    assert_file_content m.out $'to-stdout\nmore-stdout\n' "miss stdout"
    assert_file_content m.err $'to-stderr\n' "miss stderr"
    fl run -- ./two >h.out 2>h.err
    assert_file_eq m.out h.out "hit stdout"
    assert_file_eq m.err h.err "hit stderr"
    assert_runs two 1
}

case_binary_all_bytes() {
    all_bytes all.bin
    # stdout gets the 256 bytes, stderr gets them reversed after a marker.
    od -An -v -tu1 all.bin | tr -s ' \n' '\n' | sed '/^$/d' | tac |
        while read -r b; do printf "$(printf '\\%03o' "$b")"; done >rev.bin
    [[ $(stat -c %s rev.bin) -eq 256 ]] || fail "fixture rev.bin"
    make_counted bin 'cat all.bin; cat rev.bin >&2; printf "\0\0\0"'
    cp all.bin want.out
    printf '\0\0\0' >>want.out
    fl run -- ./bin >m.out 2>m.err
    assert_file_eq want.out m.out "miss: binary stdout"
    assert_file_eq rev.bin m.err "miss: binary stderr"
    fl run -- ./bin >h.out 2>h.err
    assert_file_eq want.out h.out "hit: binary stdout"
    assert_file_eq rev.bin h.err "hit: binary stderr"
    assert_eq "$(od -An -v -tx1 want.out)" "$(od -An -v -tx1 h.out)" "hit: od of stdout"
    assert_runs bin 1
}

case_no_trailing_newline() {
    make_counted nonl 'printf "abc"; printf "x\ny" >&2'
    fl run -- ./nonl >m.out 2>m.err
    assert_file_content m.out 'abc'
    assert_file_content m.err $'x\ny'
    fl run -- ./nonl >h.out 2>h.err
    assert_file_content h.out 'abc' "hit: no newline added to stdout"
    assert_file_content h.err $'x\ny' "hit: no newline added to stderr"
    assert_eq 3 "$(stat -c %s h.out)" "hit stdout size"
    assert_runs nonl 1
}

case_empty_output() {
    make_counted quiet ':'
    fl run -- ./quiet >m.out 2>m.err
    fl run -- ./quiet >h.out 2>h.err
    assert_eq 0 "$(stat -c %s h.out)" "hit: empty stdout"
    assert_eq 0 "$(stat -c %s h.err)" "hit: empty stderr"
    assert_runs quiet 1
}

case_large_output() {
    head -c 5000000 /dev/urandom >big.bin
    make_counted big 'cat big.bin'
    fl run -- ./big >m.out 2>m.err
    assert_file_eq big.bin m.out "miss: 5 MB stdout"
    assert_eq 0 "$(stat -c %s m.err)" "miss: no stderr"
    fl run -- ./big >h.out 2>h.err
    assert_file_eq big.bin h.out "hit: 5 MB stdout"
    assert_eq 0 "$(stat -c %s h.err)" "hit: no stderr"
    # Replay into a pipe as well (a slow reader must still get everything).
    fl run -- ./big | cat >h2.out
    assert_file_eq big.bin h2.out "hit through a pipe: 5 MB"
    assert_runs big 1
}

case_large_both_streams() {
    head -c 2000000 /dev/urandom >a.bin
    head -c 1500000 /dev/urandom >b.bin
    make_counted both 'cat a.bin; cat b.bin >&2; cat a.bin'
    cat a.bin a.bin >want.out
    fl run -- ./both >m.out 2>m.err
    assert_file_eq want.out m.out "miss: stdout"
    assert_file_eq b.bin m.err "miss: stderr"
    fl run -- ./both >h.out 2>h.err
    assert_file_eq want.out h.out "hit: stdout"
    assert_file_eq b.bin h.err "hit: stderr"
    assert_runs both 1
}

case_many_small_writes() {
    # 2000 alternating small writes: the replay must keep every byte in order.
    make_counted many '
i=0
while [ $i -lt 1000 ]; do
  echo "o$i"
  echo "e$i" >&2
  i=$((i+1))
done'
    fl run -- ./many >m.out 2>m.err
    seq 0 999 | sed 's/^/o/' >want.out
    seq 0 999 | sed 's/^/e/' >want.err
    assert_file_eq want.out m.out "miss stdout"
    assert_file_eq want.err m.err "miss stderr"
    fl run -- ./many >h.out 2>h.err
    assert_file_eq want.out h.out "hit stdout"
    assert_file_eq want.err h.err "hit stderr"
    assert_runs many 1
}

# On a miss the output reaches the user while CMD is still running.
case_live_tee() {
    make_counted live 'echo first; echo first-err >&2; while [ ! -e release ]; do sleep 0.05; done; echo second'
    fl run -- ./live >o 2>e &
    local pid=$! n=400
    until grep -qx first o 2>/dev/null && grep -qx first-err e 2>/dev/null; do
        n=$((n - 1))
        if [[ $n -le 0 ]]; then
            touch release
            wait "$pid" || true
            fail "output not forwarded while CMD runs: stdout=[$(cat o)] stderr=[$(cat e)]"
        fi
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null || fail "fixture: fleche ended before release"
    touch release
    wait "$pid"
    assert_file_content o $'first\nsecond\n'
    assert_file_content e $'first-err\n'
    rm release
    fl run -- ./live >o2 2>e2
    assert_runs live 1
    assert_file_content o2 $'first\nsecond\n'
}

case_hit_exit_zero_and_repeatable() {
    make_counted hello 'echo hello'
    local i
    for i in 1 2 3 4; do
        capture r$i fl run -- ./hello
        assert_eq 0 "$RC" "exit code of run $i"
        assert_file_content r$i.out $'hello\n' "stdout of run $i"
        assert_file_content r$i.err '' "stderr of run $i"
    done
    assert_runs hello 1
}

run_case interleaving case_interleaving
run_case separate_streams_on_miss case_separate_streams_on_miss
run_case binary_all_bytes case_binary_all_bytes
run_case no_trailing_newline case_no_trailing_newline
run_case empty_output case_empty_output
run_case large_output_5MB case_large_output
run_case large_both_streams case_large_both_streams
run_case many_small_writes case_many_small_writes
run_case live_tee_on_miss case_live_tee
run_case hit_exit_zero_and_repeatable case_hit_exit_zero_and_repeatable
finish
