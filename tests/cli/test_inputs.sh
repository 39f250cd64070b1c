#!/usr/bin/env bash
# -i/--input: content digests, directories (Merkle), globs, missing inputs,
# relative paths.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_touch_is_hit() {
    make_counted c 'cat in.txt'
    echo hello >in.txt
    fl run -i in.txt -- ./c >r1.out
    touch -d '2001-02-03 04:05:06' in.txt
    capture r2 fl run -i in.txt -- ./c
    assert_runs c 1 "mtime-only change must be a hit"
    assert_file_content r2.out $'hello\n'
    touch in.txt
    fl run -i in.txt -- ./c >/dev/null
    assert_runs c 1 "touch to now: still a hit"
}

case_content_change_same_size_and_mtime() {
    make_counted c 'cat in.txt'
    printf 'hello world\n' >in.txt
    cp -p in.txt ref
    fl run -i in.txt -- ./c >r1.out
    assert_file_content r1.out $'hello world\n'
    # Same inode, same size, same mtime (restored to the nanosecond).
    printf 'O' | dd of=in.txt bs=1 seek=4 conv=notrunc status=none
    touch -r ref in.txt
    assert_eq "$(stat -c '%s %Y %y' ref)" "$(stat -c '%s %Y %y' in.txt)" "fixture: size+mtime restored"
    assert_exit 1 fl has -i in.txt -- ./c
    capture r2 fl run -i in.txt -- ./c
    assert_runs c 2 "content change with size+mtime restored must be a miss"
    assert_file_content r2.out $'hellO world\n' "the new content is used"
    # And back to the old content: the old entry is a hit again.
    printf 'o' | dd of=in.txt bs=1 seek=4 conv=notrunc status=none
    touch -r ref in.txt
    capture r3 fl run -i in.txt -- ./c
    assert_runs c 2 "original content again: hit"
    assert_file_content r3.out $'hello world\n'
}

case_input_path_is_in_key() {
    make_counted c 'true'
    echo same >a.txt
    echo same >b.txt
    assert_ne "$(fl digest -i a.txt -- ./c)" "$(fl digest -i b.txt -- ./c)" \
        "same content under another path is another key"
    assert_ne "$(fl digest -- ./c)" "$(fl digest -i a.txt -- ./c)" "an input is part of the key"
    mkdir sub
    echo same >sub/a.txt
    # Normalized: ./x and x, a//b and a/b are the same path.
    assert_eq "$(fl digest -i a.txt -- ./c)" "$(fl digest -i ./a.txt -- ./c)" "./a.txt == a.txt"
    assert_eq "$(fl digest -i sub/a.txt -- ./c)" "$(fl digest -i sub//a.txt -- ./c)" "sub//a.txt == sub/a.txt"
    assert_eq "$(fl digest -i sub/a.txt -- ./c)" "$(fl digest -i ./sub/./a.txt -- ./c)" "./sub/./a.txt == sub/a.txt"
}

# dir_step DESC EXPECTED_RUNS: the directory input src must give a miss now.
dir_miss() {
    local desc=$1 want=$2
    assert_exit 1 fl has -i src -- ./c
    fl run -i src -- ./c >/dev/null
    assert_runs c "$want" "$desc: must be a miss"
    fl run -i src -- ./c >/dev/null
    assert_runs c "$want" "$desc: then a hit"
}

case_directory_merkle() {
    make_counted c 'find src | sort'
    mkdir -p src/sub/deep
    echo a >src/a.txt
    echo b >src/sub/b.txt
    echo c >src/sub/deep/c.txt
    fl run -i src -- ./c >/dev/null
    fl run -i src -- ./c >/dev/null
    assert_runs c 1 "unchanged directory: hit"

    touch -d '2001-01-01' src/sub/b.txt src/sub
    fl run -i src -- ./c >/dev/null
    assert_runs c 1 "touching a nested file: still a hit"

    echo new >src/new.txt
    dir_miss "file added" 2
    mv src/new.txt src/renamed.txt
    dir_miss "file renamed" 3
    chmod +x src/a.txt
    dir_miss "exec bit set" 4
    chmod -x src/a.txt
    assert_exit 0 fl has -i src -- ./c   # back to the state of run 3
    printf 'C' | dd of=src/sub/deep/c.txt bs=1 seek=0 conv=notrunc status=none
    dir_miss "nested content changed" 5
    mkdir src/sub/emptydir
    dir_miss "empty directory added" 6
    rm src/renamed.txt
    ln -s a.txt src/renamed.txt
    dir_miss "file replaced by a symlink (type change)" 7
    rm src/renamed.txt
    echo new >src/renamed.txt
    assert_exit 0 fl has -i src -- ./c   # same as after run 6
    mv src/sub/deep src/sub/deeper
    dir_miss "nested directory renamed" 8
    rm -r src/sub/emptydir
    dir_miss "empty directory removed" 9
}

case_directory_content_swap() {
    # Two files swapping contents: names and sizes stay, the tree differs.
    make_counted c 'cat src/x src/y'
    mkdir src
    echo 1111 >src/x
    echo 2222 >src/y
    fl run -i src -- ./c >r1.out
    mv src/x tmp && mv src/y src/x && mv tmp src/y
    capture r2 fl run -i src -- ./c
    assert_runs c 2 "swapped contents: miss"
    assert_file_content r2.out $'2222\n1111\n'
}

case_glob_double_star() {
    make_counted c 'true'
    mkdir -p src/x/y src/z
    echo 1 >src/x/one.c
    echo 2 >src/x/y/two.c
    echo h >src/x/y/two.h
    echo 3 >src/z/three.c
    local g='src/**/*.c'
    fl run -i "$g" -- ./c
    fl run -i "$g" -- ./c
    assert_runs c 1 "glob unchanged: hit"
    echo changed >src/x/y/two.h
    fl run -i "$g" -- ./c
    assert_runs c 1 "a non-matching file changed: hit"
    echo 22 >src/x/y/two.c
    fl run -i "$g" -- ./c
    assert_runs c 2 "a nested matching file changed: miss"
    mkdir -p src/x/y/w/v
    echo 4 >src/x/y/w/v/four.c
    fl run -i "$g" -- ./c
    assert_runs c 3 "a new deeply nested matching file: miss"
    echo 5 >src/x/y/w/v/five.txt
    fl run -i "$g" -- ./c
    assert_runs c 3 "a new non-matching file: hit"
    rm src/z/three.c
    fl run -i "$g" -- ./c
    assert_runs c 4 "a matching file removed: miss"
}

case_glob_simple_patterns() {
    make_counted c 'true'
    mkdir data
    echo a >data/a.txt
    echo b >data/b.txt
    echo 1 >data/file1.txt
    echo 22 >data/file22.txt
    echo l >data/a.log
    local star qm br
    star=$(fl digest -i 'data/*.txt' -- ./c)
    qm=$(fl digest -i 'data/file?.txt' -- ./c)
    br=$(fl digest -i 'data/[ab].txt' -- ./c)
    echo L >data/a.log
    assert_eq "$star" "$(fl digest -i 'data/*.txt' -- ./c)" "*.txt ignores a.log"
    echo 222 >data/file22.txt
    assert_eq "$qm" "$(fl digest -i 'data/file?.txt' -- ./c)" "file?.txt ignores file22.txt"
    assert_eq "$br" "$(fl digest -i 'data/[ab].txt' -- ./c)" "[ab].txt ignores file22.txt"
    assert_ne "$star" "$(fl digest -i 'data/*.txt' -- ./c)" "*.txt sees file22.txt"
    echo 11 >data/file1.txt
    assert_ne "$qm" "$(fl digest -i 'data/file?.txt' -- ./c)" "file?.txt sees file1.txt"
    assert_eq "$br" "$(fl digest -i 'data/[ab].txt' -- ./c)" "[ab].txt ignores file1.txt"
    echo bb >data/b.txt
    assert_ne "$br" "$(fl digest -i 'data/[ab].txt' -- ./c)" "[ab].txt sees b.txt"
    br=$(fl digest -i 'data/[ab].txt' -- ./c)
    echo c >data/c.txt
    assert_eq "$br" "$(fl digest -i 'data/[ab].txt' -- ./c)" "[ab].txt ignores a new c.txt"
    star=$(fl digest -i 'data/*.txt' -- ./c)
    echo d >data/d.txt
    assert_ne "$star" "$(fl digest -i 'data/*.txt' -- ./c)" "*.txt sees a new d.txt"
}

case_missing_input() {
    make_counted c 'echo ran; cat maybe.txt 2>/dev/null || true'
    capture r1 fl run -i maybe.txt -- ./c
    assert_eq 0 "$RC" "a missing input does not stop the run"
    assert_file_has_line r1.err "fleche: warning: input 'maybe.txt' does not exist; recorded as missing"
    assert_file_content r1.out $'ran\n'
    assert_runs c 1
    fl run -i maybe.txt -- ./c >/dev/null 2>&1
    assert_runs c 1 "still missing: hit"
    echo now >maybe.txt
    capture r3 fl run -i maybe.txt -- ./c
    assert_runs c 2 "the input appeared: miss"
    assert_file_content r3.out $'ran\nnow\n'
    assert_not_contains "$(cat r3.err)" "does not exist" "no warning once the input exists"
}

case_glob_without_match() {
    make_counted c 'echo ran'
    mkdir gen
    capture r1 fl run -i 'gen/*.o' -- ./c
    assert_eq 0 "$RC"
    assert_file_has_line r1.err "fleche: warning: input 'gen/*.o' does not exist; recorded as missing"
    assert_file_content r1.out $'ran\n'
    echo obj >gen/a.o
    fl run -i 'gen/*.o' -- ./c >/dev/null 2>&1
    assert_runs c 2 "the glob matches now: miss"
}

case_missing_warning_from_digest_and_has() {
    make_counted c 'true'
    capture d fl digest -i nothere -- ./c
    assert_eq 0 "$RC" "digest with a missing input"
    assert_is_hex64 "$(cat d.out)"
    echo x >nothere
    assert_ne "$(cat d.out)" "$(fl digest -i nothere -- ./c)" "missing vs existing input"
}

case_relative_paths_project_moved() {
    mkdir -p proj/src
    echo 'int main;' >proj/src/main.c
    echo data >proj/in.txt
    (
        cd proj
        make_counted build 'cat in.txt src/main.c > out.txt; echo built'
        fl run -i in.txt -i src -o out.txt -- ./build >r1.out
    )
    assert_runs build 1
    cp -a proj moved
    rm moved/out.txt
    (
        cd moved
        capture r2 fl run -i in.txt -i src -o out.txt -- ./build
        assert_eq 0 "$RC"
        assert_file_content r2.out $'built\n'
    )
    assert_runs build 1 "the moved project (same relative inputs) must be a hit"
    assert_file_eq proj/out.txt moved/out.txt "output restored in the moved project"
    # Changing an input in the moved copy is a miss there.
    echo other >moved/in.txt
    (cd moved && fl run -i in.txt -i src -o out.txt -- ./build >/dev/null)
    assert_runs build 2
    assert_file_content moved/out.txt $'other\nint main;\n'
}

case_input_changed_during_run() {
    # CMD modifies its own input: the result must not be stored.
    make_counted c 'cat in.txt; echo B > in.txt'
    echo A >in.txt
    capture r1 fl run -i in.txt -- ./c
    assert_eq 0 "$RC"
    assert_file_content r1.out $'A\n'
    echo A >in.txt
    assert_exit 1 fl has -i in.txt -- ./c
    fl run -i in.txt -- ./c >/dev/null 2>&1
    assert_runs c 2 "a run whose input changed during the run must not be stored"
}

case_several_inputs() {
    make_counted c 'cat a b'
    echo 1 >a
    echo 2 >b
    fl run -i a -i b -- ./c >/dev/null
    echo 3 >b
    capture r2 fl run -i a -i b -- ./c
    assert_runs c 2 "second input changed: miss"
    assert_file_content r2.out $'1\n3\n'
}

# A path that exists is taken as itself even with glob characters in its
# name: read as a pattern, 'data[1].txt' would miss the file and a change
# to it would replay a stale result.
case_literal_path_with_glob_chars() {
    make_counted c 'cat "data[1].txt" "a*b" "q?"'
    echo one >'data[1].txt'
    echo 1 >data1.txt # what the pattern data[1].txt would match
    echo star >'a*b'
    echo q >'q?'
    capture r1 fl run -i 'data[1].txt' -i 'a*b' -i 'q?' -- ./c
    assert_eq 0 "$RC"
    assert_not_contains "$(cat r1.err)" "does not exist"
    echo two >'data[1].txt'
    capture r2 fl run -i 'data[1].txt' -i 'a*b' -i 'q?' -- ./c
    assert_runs c 2 "the file data[1].txt changed: miss"
    assert_file_content r2.out $'two\nstar\nq\n'
    echo 11 >data1.txt
    echo aXb >aXb
    capture r3 fl run -i 'data[1].txt' -i 'a*b' -i 'q?' -- ./c
    assert_runs c 2 "files the patterns would match are not inputs: hit"
    echo star2 >'a*b'
    capture r4 fl run -i 'data[1].txt' -i 'a*b' -i 'q?' -- ./c
    assert_runs c 3 "the file a*b changed: miss"
    assert_file_content r4.out $'two\nstar2\nq\n'
}

case_glob_prefix_forces_pattern() {
    make_counted c 'cat data1.txt'
    echo literal >'data[1].txt'
    echo one >data1.txt
    fl run -i 'glob:data[1].txt' -- ./c >r1.out
    assert_file_content r1.out $'one\n'
    echo literal2 >'data[1].txt'
    fl run -i 'glob:data[1].txt' -- ./c >/dev/null
    assert_runs c 1 "glob: matches data1.txt, not the file data[1].txt: hit"
    echo two >data1.txt
    capture r3 fl run -i 'glob:data[1].txt' -- ./c
    assert_runs c 2 "the file the pattern matches changed: miss"
    assert_file_content r3.out $'two\n'
    mkdir -p src/x
    echo s >src/x/s.c
    assert_eq "$(fl digest -i 'src/**/*.c' -- ./c)" "$(fl digest -i 'glob:src/**/*.c' -- ./c)" \
        "glob: changes nothing for a pattern that names no file"
}

case_glob_backslash_escape() {
    make_counted c 'cat "data[1].txt" 2>/dev/null || echo none'
    echo one >data1.txt
    capture r1 fl run -i 'data\[1\].txt' -- ./c
    assert_file_has_line r1.err "fleche: warning: input 'data\\[1\\].txt' does not exist; recorded as missing"
    echo changed >data1.txt
    fl run -i 'data\[1\].txt' -- ./c >/dev/null 2>&1
    assert_runs c 1 "an escaped [ does not match data1.txt: hit"
    echo literal >'data[1].txt'
    capture r3 fl run -i 'data\[1\].txt' -- ./c
    assert_runs c 2 "the escaped pattern names data[1].txt: miss"
    assert_file_content r3.out $'literal\n'
    assert_eq "$(fl digest -i 'data[1].txt' -- ./c)" "$(fl digest -i 'data\[1\].txt' -- ./c)" \
        "escaped or literal: one input"
}

# unhashable_run DESC MESSAGE ARGS...: `fleche run ARGS... -- ./c` (bounded:
# reading a FIFO or a device may never end) warns MESSAGE, runs ./c, stores
# nothing; twice, so that a stored entry would show as a hit.
unhashable_run() {
    local desc=$1 message=$2 before
    shift 2
    before=$(runs c)
    local n
    for n in 1 2; do
        capture u timeout 10 "$FLECHE_BIN" run "$@" -- ./c
        assert_eq 0 "$RC" "$desc: CMD runs (run $n)"
        assert_file_content u.out $'ran\n' "$desc: CMD's output (run $n)"
        assert_eq "fleche: warning: $message; running without the cache" "$(cat u.err)" \
            "$desc: one warning (run $n)"
    done
    assert_runs c $((before + 2)) "$desc: nothing stored"
    assert_exit 1 timeout 10 "$FLECHE_BIN" has "$@" -- ./c
}

case_fifo_socket_device_inputs() {
    make_counted c 'echo ran'
    mkfifo pipe
    unhashable_run "-i FIFO" "cannot hash input 'pipe': it is a FIFO, whose content is not a file's (declare the files it is fed from)" -i pipe
    unhashable_run "-i /dev/zero" "cannot hash input '/dev/zero': it is a character device, whose content is not a file's (declare the files it is fed from)" -i /dev/zero
    mkdir src
    echo a >src/a.txt
    mkfifo src/pipe
    unhashable_run "FIFO inside a directory" "cannot hash input 'src/pipe': it is a FIFO, whose content is not a file's (declare the files it is fed from)" -i src
    rm src/pipe
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("src/sock")'
        [[ -S src/sock ]] || fail "fixture: no socket"
        unhashable_run "socket inside a directory" "cannot hash input 'src/sock': it is a socket, whose content is not a file's (declare the files it is fed from)" -i src
        rm src/sock
    fi
    capture d timeout 10 "$FLECHE_BIN" digest -i pipe -- ./c
    assert_eq 125 "$RC" "digest: no key for a FIFO"
    assert_eq "fleche: cannot hash input 'pipe': it is a FIFO, whose content is not a file's (declare the files it is fed from); no key can be computed" "$(cat d.err)"
    local before
    before=$(runs c)
    fl run -i src -- ./c >/dev/null
    fl run -i src -- ./c >/dev/null
    assert_runs c $((before + 1)) "once the directory holds files only, it is cached again"
}

# A directory entry whose path is longer than PATH_MAX cannot be stat'ed:
# skipping it would make a change below it a hit.
case_entry_beyond_path_max() {
    make_counted c 'echo ran'
    local name i
    name=$(printf 'd%.0s' $(seq 200))
    mkdir deep
    (
        cd deep
        for i in $(seq 22); do mkdir "$name" && cd "$name"; done
        echo v1 >leaf
    )
    [[ $(( (${#name} + 1) * 22 + 10 )) -gt 4096 ]] || fail "fixture: not deep enough"
    capture r1 timeout 10 "$FLECHE_BIN" run -i deep -- ./c
    assert_eq 0 "$RC"
    assert_file_content r1.out $'ran\n'
    assert_eq 1 "$(fleche_lines r1.err | wc -l)" "one warning"
    assert_file_contains r1.err "fleche: warning: cannot read 'deep/$name/"
    assert_file_contains r1.err "': File name too long; running without the cache"
    capture r2 timeout 10 "$FLECHE_BIN" run -i deep -- ./c
    assert_runs c 2 "not stored: a change below would go unseen"
}

# nobody_dir: $NOBODY, a directory for the user nobody (the tests run as
# root, who can read anything).
nobody_dir() {
    [[ $(id -u) -eq 0 ]] || skip "needs root to switch to nobody"
    command -v setpriv >/dev/null || skip "needs setpriv"
    NOBODY=$(mktemp -d /tmp/fleche-nobody.XXXXXX)
    chmod 755 "$NOBODY"
    chown nobody "$NOBODY"
    trap 'rm -rf "$NOBODY"' EXIT
}
# as_nobody CMD...: CMD as nobody in $NOBODY, with a store of its own there.
as_nobody() {
    (cd "$NOBODY" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env HOME="$NOBODY" XDG_CONFIG_HOME="$NOBODY/config" FLECHE_DIR="$NOBODY/store" \
        timeout 10 "$@")
}

# An input that cannot be read is never skipped, nor a reason not to run.
case_unreadable_entries_run_uncached() {
    nobody_dir
    printf '#!/bin/sh\necho run >> "%s/count"\necho ran\n' "$NOBODY" >"$NOBODY/c"
    mkdir -p "$NOBODY/src/open" "$NOBODY/src/locked"
    echo a >"$NOBODY/src/open/a"
    echo s >"$NOBODY/src/secret"
    echo l >"$NOBODY/src/locked/l"
    chmod 755 "$NOBODY/c"
    chown -R nobody "$NOBODY/src" "$NOBODY/c"
    local what locked input want n
    for what in "src/secret src src/secret" "src/locked src src/locked" \
        "src/secret src/secret src/secret" "src/locked src/** src/locked"; do
        read -r locked input want <<<"$what"
        chmod 000 "$NOBODY/$locked"
        for n in 1 2; do
            capture r as_nobody "$FLECHE_BIN" run -i "$input" -- ./c
            assert_eq 0 "$RC" "-i $input: CMD runs (run $n)"
            assert_file_content r.out $'ran\n'
            assert_eq "fleche: warning: cannot read '$want': Permission denied; running without the cache" \
                "$(cat r.err)" "-i $input, $locked unreadable (run $n)"
        done
        chmod 755 "$NOBODY/$locked"
    done
    assert_eq 8 "$(wc -l <"$NOBODY/count")" "every run ran: none was stored"
    as_nobody "$FLECHE_BIN" run -i src -- ./c >/dev/null
    as_nobody "$FLECHE_BIN" run -i src -- ./c >/dev/null
    assert_eq 9 "$(wc -l <"$NOBODY/count")" "readable again: stored, then a hit"
}

# A rule's paths are resolved against its file's folder; glob: stays in front.
case_glob_prefix_in_a_rule() {
    printf 'root = true\n[[rule]]\nmatch = ["c"]\ninputs = ["glob:data[1].txt"]\n' >fleche.toml
    echo literal >'data[1].txt'
    echo one >data1.txt
    mkdir sub
    make_counted sub/c 'true'
    cd sub
    assert_eq "$(fl digest -i 'glob:../data[1].txt' -- ./c)" "$(fl digest -- ./c)" \
        "the rule's input is the pattern ../data[1].txt"
    local before
    before=$(fl digest -- ./c)
    echo two >../data1.txt
    assert_ne "$before" "$(fl digest -- ./c)" "the file the pattern matches is in the key"
}

run_case touch_is_hit case_touch_is_hit
run_case content_change_same_size_and_mtime case_content_change_same_size_and_mtime
run_case input_path_is_in_key case_input_path_is_in_key
run_case directory_merkle case_directory_merkle
run_case directory_content_swap case_directory_content_swap
run_case glob_double_star case_glob_double_star
run_case glob_simple_patterns case_glob_simple_patterns
run_case missing_input case_missing_input
run_case glob_without_match case_glob_without_match
run_case missing_input_digest case_missing_warning_from_digest_and_has
run_case relative_paths_project_moved case_relative_paths_project_moved
run_case input_changed_during_run case_input_changed_during_run
run_case several_inputs case_several_inputs
run_case literal_path_with_glob_chars case_literal_path_with_glob_chars
run_case glob_prefix_forces_pattern case_glob_prefix_forces_pattern
run_case glob_backslash_escape case_glob_backslash_escape
run_case fifo_socket_device_inputs case_fifo_socket_device_inputs
run_case entry_beyond_path_max case_entry_beyond_path_max
run_case unreadable_entries_run_uncached case_unreadable_entries_run_uncached
run_case glob_prefix_in_a_rule case_glob_prefix_in_a_rule
finish
