#!/usr/bin/env bash
# Runs that fleche cannot key: an argument that names a descriptor the caller
# passed (<(...), 3<file, /dev/stdin without --stdin), or --stdin with stdin
# closed. CMD runs every time as it would bare; nothing is looked up or
# stored; has says no, explain and run -v say why.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_process_substitution_runs_each_time() {
    make_counted c 'cat "$@"'
    capture r1 fl run -- ./c <(echo a)
    assert_file_content r1.out $'a\n'
    capture r2 fl run -- ./c <(echo b)
    assert_eq 0 "$RC"
    assert_file_content r2.out $'b\n' "same argv (/dev/fd/N), other content: never the stored 'a'"
    assert_runs c 2
    # Nothing was stored either: the store was not even created.
    [[ ! -e $FLECHE_DIR/index.sqlite ]] || fail "an uncached run opened the store"
}

case_diff_twice() {
    make_counted d 'diff "$@"'
    local bare_rc=0
    diff <(echo x) <(echo y) >bare.out || bare_rc=$?
    assert_eq 1 "$bare_rc" "fixture: diff of two different lines"
    capture r1 fl run --cache-failures -- ./d <(echo x) <(echo y)
    assert_eq 1 "$RC"
    assert_file_eq bare.out r1.out
    capture r2 fl run --cache-failures -- ./d <(echo x) <(echo y)
    assert_eq 1 "$RC"
    assert_file_eq bare.out r2.out
    assert_runs d 2 "both runs of diff <(echo x) <(echo y) ran"
}

case_ordinary_run_still_hits() {
    make_counted c 'cat "$@"'
    echo plain >f
    capture r1 fl run -- ./c f
    capture r2 fl run -v -- ./c f
    assert_file_content r2.out $'plain\n'
    assert_file_contains r2.err "fleche: hit "
    assert_runs c 1
    # /dev/stdout and /dev/stderr are CMD's own captured output: still keyed.
    make_counted w 'echo out >"$1"; echo err >"$2"'
    capture w1 fl run -- ./w /dev/stdout /dev/stderr
    capture w2 fl run -- ./w /dev/stdout /dev/stderr
    assert_file_content w2.out $'out\n'
    assert_file_content w2.err $'err\n'
    assert_runs w 1
}

case_verbose_has_explain_digest() {
    make_counted c 'cat "$@"'
    capture r fl run -v -- ./c /dev/fd/3 3< <(echo a)
    assert_file_content r.out $'a\n'
    local why="argument 1 '/dev/fd/3' names a pipe passed by the caller (descriptor 3); what CMD reads there is not in the key"
    assert_file_has_line r.err "fleche: miss: $why; running uncached"
    assert_exit 1 fl has -- ./c /dev/fd/3 3< <(echo a)
    assert_exit 1 fl explain -- ./c /dev/fd/3 3< <(echo a)
    assert_file_content "$AUX/last.out" \
        "miss: $why; run would run CMD uncached, without looking up or storing"$'\n'
    assert_exit 125 fl digest -- ./c /dev/fd/3 3< <(echo a)
    assert_file_has_line "$AUX/last.err" "fleche: $why; run uses no key for it"
    assert_runs c 1 "has, explain and digest never run CMD"
}

case_file_passed_as_descriptor() {
    make_counted c 'cat "$@"'
    echo one >f1
    echo two >f2
    capture r1 fl run -- ./c /dev/fd/3 3<f1
    capture r2 fl run -v -- ./c /dev/fd/3 3<f2
    assert_file_content r2.out $'two\n' "a file on fd 3 is not in the key either"
    assert_file_contains r2.err "names a file passed by the caller (descriptor 3)"
    # Inside a word, and through /proc: the same.
    capture r3 fl run -- ./c --x=/proc/self/fd/3 3<f1
    capture r4 fl run -v -- ./c --x=/proc/self/fd/3 3<f2
    assert_file_contains r4.err "fleche: miss: argument 1 '--x=/proc/self/fd/3' names a file"
    assert_runs c 4
}

case_dev_stdin_needs_stdin_flag() {
    make_counted c 'cat "$@"'
    capture r1 fl run -- ./c /dev/stdin <<<one
    capture r2 fl run -v -- ./c /dev/stdin <<<two
    assert_file_content r2.out $'two\n'
    assert_file_has_line r2.err \
        "fleche: miss: argument 1 '/dev/stdin' names stdin; its content is in the key only with --stdin; running uncached"
    assert_runs c 2
    # With --stdin, CMD's fd 0 is the copy that was hashed: keyed as usual.
    capture r3 fl run --stdin -- ./c /dev/stdin <<<one
    capture r4 fl run --stdin -- ./c /dev/stdin <<<one
    assert_file_content r4.out $'one\n'
    assert_runs c 3
    capture r5 fl run --stdin -- ./c /dev/stdin <<<two
    assert_file_content r5.out $'two\n'
    assert_runs c 4
}

case_stdin_flag_with_stdin_closed() {
    make_counted s 'if [ -e /proc/self/fd/0 ]; then echo open; else echo closed; fi'
    ./s <&- >bare.out
    assert_file_content bare.out $'closed\n' "fixture: the bare command sees fd 0 closed"
    capture r1 fl run --stdin -- ./s <&-
    assert_file_content r1.out $'closed\n' "CMD sees fd 0 closed, not an empty copy"
    capture r2 fl run -v --stdin -- ./s <&-
    assert_file_content r2.out $'closed\n'
    assert_file_has_line r2.err \
        "fleche: miss: --stdin, but stdin is closed: CMD finds it closed, as it would without fleche; running uncached"
    assert_runs s 3 "the bare run, then both through fleche: nothing was stored"
    assert_exit 1 fl has --stdin -- ./s <&-
    # An empty stdin is not a closed one: keyed (and stored) as empty.
    fl run --stdin -- ./s </dev/null >/dev/null
    assert_exit 0 fl has --stdin -- ./s </dev/null
    assert_exit 1 fl has --stdin -- ./s <&-
}

run_case process_substitution_runs_each_time case_process_substitution_runs_each_time
run_case diff_twice case_diff_twice
run_case ordinary_run_still_hits case_ordinary_run_still_hits
run_case verbose_has_explain_digest case_verbose_has_explain_digest
run_case file_passed_as_descriptor case_file_passed_as_descriptor
run_case dev_stdin_needs_stdin_flag case_dev_stdin_needs_stdin_flag
run_case stdin_flag_with_stdin_closed case_stdin_flag_with_stdin_closed
finish
