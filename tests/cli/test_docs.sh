#!/usr/bin/env bash
# The documentation keeps up with the program: every subcommand and flag that
# --help shows is in the man page and in each completion script, and every
# configuration key is in the man page. The subcommands are read from
# `fleche --help`, so new ones are checked without changing this test.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MAN=$FLECHE_SOURCE_DIR/man/fleche.1
COMPLETIONS=(fleche.bash _fleche fleche.fish)

subcommands() {
    fl --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'
}

# long_flags ARGS...: the --flags in the help of `fleche ARGS --help`.
long_flags() {
    fl "$@" --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]//' | sort -u
}

# short_flags ARGS...: the one-letter flags, except CLI11's -h (documented as --help).
short_flags() {
    fl "$@" --help | grep -oE '^ +-[a-zA-Z],' | tr -d ' ,' | grep -vx -- -h | sort -u || true
}

# in_man FLAG: the flag as roff writes it ("\-\-env").
in_man() {
    grep -qF -e "${1//-/\\-}" "$MAN"
}

# in_completion FILE FLAG
in_completion() {
    local file=$FLECHE_SOURCE_DIR/completions/$1 flag=$2
    case $1 in
        fleche.fish)
            if [[ $flag == --* ]]; then
                grep -qE -- "-l ${flag#--}( |$)" "$file"
            else
                grep -qE -- "-s ${flag#-}( |$)" "$file"
            fi
            ;;
        *) grep -qE -- "(^|[^a-z-])$flag([^a-z-]|$)" "$file" ;;
    esac
}

case_subcommands_are_documented() {
    local subs sub file
    subs=$(subcommands)
    [[ $(wc -l <<<"$subs") -ge 5 ]] || fail "too few subcommands found in --help: $subs"
    for sub in $subs; do
        grep -qE "^\.B[RI]? \"?$sub( |\"|$)" "$MAN" || fail "man page has no entry for subcommand $sub"
        for file in "${COMPLETIONS[@]}"; do
            grep -qw -- "$sub" "$FLECHE_SOURCE_DIR/completions/$file" || fail "$file does not know subcommand $sub"
        done
    done
}

case_flags_are_documented() {
    local sub flag file checked=0
    for flag in $(long_flags); do
        in_man "$flag" || fail "man page lacks $flag (fleche --help)"
    done
    for sub in $(subcommands); do
        for flag in $(long_flags "$sub") $(short_flags "$sub"); do
            checked=$((checked + 1))
            in_man "$flag" || fail "man page lacks $flag (fleche $sub --help)"
            for file in "${COMPLETIONS[@]}"; do
                in_completion "$file" "$flag" || fail "$file lacks $flag (fleche $sub --help)"
            done
        done
    done
    [[ $checked -ge 10 ]] || fail "only $checked flags found: is the --help format understood?"
}

# man_has_key KEY: a .TP tag for KEY, alone or as "a, KEY" (".BR ttl \", \" stale ...").
man_has_key() {
    grep -qE "^\.BR? ([a-z_]+ \", \" )?$1( |$)" "$MAN"
}

case_config_keys_are_documented() {
    local key
    cd "$AUX" && printf 'root = true\n' >fleche.toml
    # run.disable, refresh, readonly and tags come only from their variables (below).
    for key in $(fl config --json | jq -r '.settings[] | keys[]' | grep -vxE 'disable|refresh|readonly|tags'); do
        man_has_key "$key" || fail "man page lacks configuration key $key"
    done
    for key in $(fl config --json | jq -r '.rules[0] // {} | keys[]') \
        match name inputs outputs env salt tool ignore_args require_env; do
        man_has_key "$key" || fail "man page lacks rule key $key"
    done
    for key in FLECHE_DIR FLECHE_DISABLE FLECHE_REFRESH FLECHE_READONLY FLECHE_TAGS FLECHE_MAX_SIZE NO_COLOR; do
        grep -qE "^\.B $key" "$MAN" || fail "man page ENVIRONMENT lacks $key"
    done
}

# man_section NAME: the roff source of one .SH section of the man page.
man_section() {
    awk -v name="$1" '/^\.SH / { inside = ($0 == ".SH " name); next } inside' "$MAN"
}

case_synopsis_has_one_line_per_subcommand() {
    local sub lines
    # Lines are broken with .br; each must start one `fleche SUBCOMMAND`.
    lines=$(man_section SYNOPSIS | awk '/^\.br$/ { print n; n = 0; next } /^\.B fleche( |$)/ { n++ } END { print n }')
    assert_eq "" "$(grep -vx 1 <<<"$lines" || true)" "invocations per SYNOPSIS line (one each)"
    for sub in $(subcommands); do
        man_section SYNOPSIS | grep -qE "^\.B \"?fleche $sub( |\"|$)" || fail "SYNOPSIS lacks fleche $sub"
    done
}

case_commands_each_start_a_tagged_paragraph() {
    local sub before
    for sub in $(subcommands); do
        before=$(man_section COMMANDS | grep -B1 -E "^\.B[RI]? \"?$sub( |\"|$)" | head -1)
        assert_eq .TP "$before" "the line before the COMMANDS entry of $sub"
    done
}

case_environment_variables_are_documented_once() {
    local env tagged var
    env=$(man_section ENVIRONMENT | sed 's/\\f[BIRP]//g')
    # A variable in bold that starts a sentence starts a paragraph: it needs .TP.
    assert_eq "" "$(awk '/^\.B [A-Z_]+/ && prev ~ /\.$/ { print } { prev = $0 }' <<<"$env")" \
        "ENVIRONMENT: a variable's paragraph without .TP"
    tagged=$(grep -A1 -x .TP <<<"$env" | grep -E '^\.B ' | grep -oE '[A-Z][A-Z0-9_]+' | sort)
    assert_eq "" "$(uniq -d <<<"$tagged")" "ENVIRONMENT: variables documented twice"
    # The variables of the configuration keys' table.
    for var in $(grep -oE '"FLECHE_[A-Z_]+"' "$FLECHE_SOURCE_DIR/src/config/keys.cpp" | tr -d '"' | sort -u); do
        grep -qx "$var" <<<"$tagged" || fail "ENVIRONMENT lacks $var"
    done
}

case_man_page_renders_cleanly() {
    command -v man >/dev/null || skip "man is not installed"
    local warnings
    warnings=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null || true)
    assert_eq "" "$warnings" "groff warnings"
}

run_case subcommands_are_documented case_subcommands_are_documented
run_case flags_are_documented case_flags_are_documented
run_case config_keys_are_documented case_config_keys_are_documented
run_case synopsis_has_one_line_per_subcommand case_synopsis_has_one_line_per_subcommand
run_case commands_each_start_a_tagged_paragraph case_commands_each_start_a_tagged_paragraph
run_case environment_variables_are_documented_once case_environment_variables_are_documented_once
run_case man_page_renders_cleanly case_man_page_renders_cleanly
finish
