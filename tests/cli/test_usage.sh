#!/usr/bin/env bash
# --help, --version and fleche's own usage errors (exit 125, "fleche: " prefix).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_version() {
    capture v fl --version
    assert_eq 0 "$RC" "--version exit code"
    assert_file_content v.out $'fleche 0.1.0\n' "--version output"
}

case_help() {
    capture h fl --help
    assert_eq 0 "$RC" "--help exit code"
    [[ -s h.out ]] || fail "--help printed nothing on stdout"
    local w
    for w in run digest has; do
        assert_file_contains h.out "$w" "--help mentions the $w command"
    done
}

# expect_usage_error DESC ARGS...: exit 125, message starting with "fleche: ",
# nothing on stdout, and the counted command ./c did not run.
expect_usage_error() {
    local desc=$1
    shift
    capture u fl "$@"
    assert_eq 125 "$RC" "$desc: exit code"
    [[ -s u.err ]] || fail "$desc: no message on stderr"
    assert_eq "fleche: " "$(head -c 8 u.err)" "$desc: message prefix"
    assert_eq 0 "$(stat -c %s u.out)" "$desc: nothing on stdout"
    assert_runs c 0 "$desc: CMD must not run"
}

case_unknown_option() {
    make_counted c 'echo ran'
    expect_usage_error "unknown run option" run --no-such-option -- ./c
    expect_usage_error "unknown digest option" digest --no-such-option -- ./c
    expect_usage_error "unknown has option" has --no-such-option -- ./c
    expect_usage_error "unknown short option" run -Z -- ./c
}

case_unknown_command() {
    make_counted c 'echo ran'
    expect_usage_error "unknown subcommand" frobnicate -- ./c
}

case_missing_dashdash() {
    make_counted c 'echo ran'
    expect_usage_error "run without --" run ./c
    expect_usage_error "digest without --" digest ./c
    expect_usage_error "has without --" has ./c
}

case_missing_cmd() {
    make_counted c 'echo ran'
    expect_usage_error "run -- without CMD" run --
    expect_usage_error "digest -- without CMD" digest --
    expect_usage_error "has -- without CMD" has --
    expect_usage_error "run without anything" run
}

case_missing_option_argument() {
    make_counted c 'echo ran'
    expect_usage_error "--salt without a value" run --salt
    expect_usage_error "-e without a value" run -e
}

case_no_fleche_warning_on_plain_run() {
    # A plain successful miss prints only CMD's output.
    make_counted c 'echo out; echo err >&2'
    capture r fl run -- ./c
    assert_eq 0 "$RC"
    assert_file_content r.out $'out\n'
    assert_file_content r.err $'err\n' "miss without -v: nothing from fleche on stderr"
}

case_options_after_dashdash_belong_to_cmd() {
    make_counted c 'for a in "$@"; do echo "[$a]"; done'
    capture r fl run -- ./c --salt x -v -- --help
    assert_eq 0 "$RC"
    assert_file_content r.out $'[--salt]\n[x]\n[-v]\n[--]\n[--help]\n' "argv after -- is passed verbatim"
    assert_file_content r.err '' "the -v after -- is not fleche's"
}

# A command written without "--" is named in the order given, as it belongs
# after "--"; an unknown option stays an unknown option.
case_missing_dashdash_says_where_the_command_goes() {
    make_counted c 'echo ran'
    local sub
    for sub in run has digest explain; do
        expect_usage_error "$sub without --" "$sub" ./c -c x.c
        assert_file_content u.err "fleche: put the command after '--': fleche $sub [OPTIONS] -- ./c -c x.c"$'\n' \
            "$sub without --"
    done
    expect_usage_error "run -v without --" run -v ./c -o 'a b'
    assert_file_content u.err "fleche: put the command after '--': fleche run [OPTIONS] -- ./c -o 'a b'"$'\n'
    expect_usage_error "a word before --" run ./c -- ./c
    assert_file_contains u.err "fleche: unexpected './c' before '--'"
    expect_usage_error "unknown option" run --unknown-flag -- ./c
    assert_file_contains u.err "--unknown-flag"
    assert_file_contains u.err "option"
    expect_usage_error "unknown option, then a command" run --unknown-flag ./c
    assert_file_contains u.err "--unknown-flag"
    expect_usage_error "unknown option of has" has -Z -- ./c
    assert_file_contains u.err "-Z"
}

run_case version case_version
run_case help case_help
run_case unknown_option case_unknown_option
run_case unknown_command case_unknown_command
run_case missing_dashdash case_missing_dashdash
run_case missing_dashdash_says_where case_missing_dashdash_says_where_the_command_goes
run_case missing_cmd case_missing_cmd
run_case missing_option_argument case_missing_option_argument
run_case no_fleche_warning_on_plain_run case_no_fleche_warning_on_plain_run
run_case options_after_dashdash_belong_to_cmd case_options_after_dashdash_belong_to_cmd
finish
