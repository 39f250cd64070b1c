#!/usr/bin/env bash
# --stdin: stdin hashed into the key and fed unchanged to CMD.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_stdin_key() {
    make_counted c 'cat'
    printf 'abc' | fl run --stdin -- ./c >r1.out
    assert_file_content r1.out 'abc' "CMD receives stdin"
    printf 'abc' | fl run --stdin -- ./c >r2.out
    assert_runs c 1 "same stdin: hit"
    assert_file_content r2.out 'abc'
    printf 'abd' | fl run --stdin -- ./c >r3.out
    assert_runs c 2 "different stdin: miss"
    assert_file_content r3.out 'abd' "CMD receives the new stdin"
    printf 'abc\n' | fl run --stdin -- ./c >r4.out
    assert_runs c 3 "stdin with an extra newline: miss"
    fl run --stdin -- ./c </dev/null >r5.out
    assert_runs c 4 "empty stdin: miss"
    assert_file_content r5.out ''
    fl run --stdin -- ./c </dev/null >r6.out
    assert_runs c 4 "empty stdin again: hit"
}

case_stdin_exact_bytes() {
    make_counted c 'cat > received.bin; wc -c < received.bin | tr -d " "'
    all_bytes all.bin
    head -c 3000000 /dev/urandom >>all.bin
    capture r1 fl run --stdin -- ./c <all.bin
    assert_eq 0 "$RC"
    assert_file_eq all.bin received.bin "CMD receives exactly the bytes of stdin"
    assert_file_content r1.out "$(stat -c %s all.bin)"$'\n' "wc -c of what CMD read"
    rm received.bin
    capture r2 fl run --stdin -- ./c <all.bin
    assert_runs c 1 "same large stdin: hit"
    assert_file_eq r1.out r2.out
    # One byte flipped in the middle: miss.
    flip_byte all.bin 1500000
    fl run --stdin -- ./c <all.bin >/dev/null
    assert_runs c 2 "one byte of stdin changed: miss"
    assert_file_eq all.bin received.bin "CMD receives the changed bytes"
}

case_stdin_from_pipe_slowly() {
    make_counted c 'cat'
    { printf 'part1 '; sleep 0.2; printf 'part2'; } | fl run --stdin -- ./c >r1.out
    assert_file_content r1.out 'part1 part2' "all of stdin is read before hashing"
    printf 'part1 part2' | fl run --stdin -- ./c >r2.out
    assert_runs c 1 "same bytes, delivered differently: hit"
    assert_file_content r2.out 'part1 part2'
}

case_digest_and_has_with_stdin() {
    make_counted c 'cat'
    local a a2 b
    a=$(printf a | fl digest --stdin -- ./c)
    a2=$(printf a | fl digest --stdin -- ./c)
    b=$(printf b | fl digest --stdin -- ./c)
    assert_is_hex64 "$a"
    assert_eq "$a" "$a2" "digest --stdin stable"
    assert_ne "$a" "$b" "digest --stdin depends on stdin"
    assert_ne "$a" "$(printf a | fl digest -- ./c)" "--stdin is part of the key"
    printf a | assert_exit 1 fl has --stdin -- ./c
    printf a | fl run --stdin -- ./c >/dev/null
    printf a | assert_exit 0 fl has --stdin -- ./c
    printf b | assert_exit 1 fl has --stdin -- ./c
    assert_runs c 1
}

case_without_stdin_flag() {
    make_counted c 'cat'
    printf 'hello' | fl run -- ./c >r1.out
    assert_file_content r1.out 'hello' "without --stdin CMD still reads stdin normally"
    printf 'other' | fl run -- ./c >r2.out
    assert_runs c 1 "without --stdin, stdin is not part of the key"
    assert_file_content r2.out 'hello' "the stored output is replayed"
    # Large stdin without --stdin.
    head -c 2000000 /dev/urandom >big.bin
    make_counted c2 'cat'
    fl run -- ./c2 <big.bin >r3.out
    assert_file_eq big.bin r3.out "2 MB through stdin without --stdin"
}

case_stdin_not_read_by_cmd() {
    # --stdin with a CMD that never reads stdin: no hang, no error.
    make_counted c 'echo ignored-stdin'
    head -c 1000000 /dev/urandom >big.bin
    capture r1 fl run --stdin -- ./c <big.bin
    assert_eq 0 "$RC" "exit code"
    assert_file_content r1.out $'ignored-stdin\n'
    fl run --stdin -- ./c <big.bin >/dev/null
    assert_runs c 1
}

run_case stdin_key case_stdin_key
run_case stdin_exact_bytes case_stdin_exact_bytes
run_case stdin_from_pipe_slowly case_stdin_from_pipe_slowly
run_case digest_and_has_with_stdin case_digest_and_has_with_stdin
run_case without_stdin_flag case_without_stdin_flag
run_case stdin_not_read_by_cmd case_stdin_not_read_by_cmd
finish
