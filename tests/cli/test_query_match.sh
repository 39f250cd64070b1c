#!/usr/bin/env bash
# query --arg and --input match whole argv words and whole input paths, never
# a piece of the encoded key record: an argument that itself spells
# "<newline>argv 3:abc" is not the argument abc.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

keys_of() { fl query "$@" --keys | sort; }

case_arg_is_a_whole_word() {
    fl run -- echo $'x\nargv 3:abc' >/dev/null
    assert_eq "" "$(keys_of --arg abc)" "an argument holding 'argv 3:abc' is not abc"
    fl run -- echo abc >/dev/null
    assert_eq "$(fl digest -- echo abc)" "$(keys_of --arg abc)" "the real argument abc"
    assert_eq "$(fl digest -- echo $'x\nargv 3:abc')" "$(keys_of --arg $'x\nargv 3:abc')" \
        "the argument with a newline, as a whole"
}

case_input_is_a_whole_path() {
    echo data >in.txt
    # The encoded record of this argument contains "\ninput 6:in.txt ".
    fl run -- echo $'x\ninput 6:in.txt file 00' >/dev/null
    assert_eq "" "$(keys_of --input in.txt)" "an argument is not an input"
    fl run -i in.txt -- echo y >/dev/null
    assert_eq "$(fl digest -i in.txt -- echo y)" "$(keys_of --input in.txt)" "the declared input"
}

run_case arg_is_a_whole_word case_arg_is_a_whole_word
run_case input_is_a_whole_path case_input_is_a_whole_path
finish
