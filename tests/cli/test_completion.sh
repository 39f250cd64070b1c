#!/usr/bin/env bash
# The completions, asked for candidates by the real bash, zsh and fish
# (scripts/setup.sh installs bash-completion, zsh and fish).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPLETIONS=$FLECHE_SOURCE_DIR/completions
BIN_DIR=$(dirname "$FLECHE_BIN")

# complete_SHELL LINE: the candidates for TAB at the end of LINE, one a line, sorted.
complete_bash() {
    [[ -f /usr/share/bash-completion/bash_completion ]] || skip "bash-completion is not installed"
    PATH=$BIN_DIR:$PATH bash --norc -c '
        source /usr/share/bash-completion/bash_completion
        source "$1"
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _fleche fleche
        printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETIONS/fleche.bash" "$1" | sed 's/ *$//' | tr -d "\r" | grep -v "^$" | sort -u
}

complete_zsh() {
    command -v zsh >/dev/null || skip "zsh is not installed"
    PATH=$BIN_DIR:$PATH timeout 20 zsh "$FLECHE_SOURCE_DIR/tests/cli/complete.zsh" "$COMPLETIONS" "$1" |
        tr -d '\r' | grep -v '^$' | sort -u
}

complete_fish() {
    command -v fish >/dev/null || skip "fish is not installed"
    PATH=$BIN_DIR:$PATH fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$COMPLETIONS/fleche.fish" "$1" |
        cut -f1 | sort -u
}

# expect SHELL LINE CANDIDATE...: each CANDIDATE is offered.
expect() {
    local shell=$1 line=$2 got
    shift 2
    got=$("complete_$shell" "$line" || true)
    local want
    for want in "$@"; do
        grep -qxF -e "$want" <<<"$got" || fail "$shell: [$line<TAB>] does not offer [$want]; offers: $(echo $got)"
    done
}

# refuse SHELL LINE CANDIDATE: CANDIDATE is not offered.
refuse() {
    local got
    got=$("complete_$1" "$2" || true)
    ! grep -qxF -e "$3" <<<"$got" || fail "$1: [$2<TAB>] offers [$3]: $(echo $got)"
}

check_shell() {
    local sh=$1
    if [[ $sh == bash ]]; then
        [[ -f /usr/share/bash-completion/bash_completion ]] || skip "bash-completion is not installed"
    else
        command -v "$sh" >/dev/null || skip "$sh is not installed"
    fi
    mkdir -p dir
    touch data.txt dir/inner.txt
    expect "$sh" "fleche " run digest has config help
    expect "$sh" "fleche co" config
    expect "$sh" "fleche help r" run
    expect "$sh" "fleche run --ca" --cache-failures
    expect "$sh" "fleche run --re" --refresh
    refuse "$sh" "fleche digest --re" --refresh
    expect "$sh" "fleche config --js" --json
    expect "$sh" "fleche run -i da" data.txt
    expect "$sh" "fleche run --output da" data.txt
    expect "$sh" "fleche digest --tr" --trace
    expect "$sh" "fleche run --no-t" --no-trace
    expect "$sh" "fleche has --env-a" --env-all
    # A directory, shown as "dir" or "dir/" as the shell does.
    grep -qxE 'dir/?' <<<"$("complete_$sh" "fleche run --base-dir d" || true)" ||
        fail "$sh: [fleche run --base-dir d<TAB>] does not offer dir"
    # After "--", the wrapped command completes as a command, then its own arguments.
    expect "$sh" "fleche run -v -- ech" echo
    expect "$sh" "fleche run -- cat da" data.txt
    refuse "$sh" "fleche run -- cat --ca" --cache-failures
    # The commands that look at the store, and keys of stored entries for show and rm.
    expect "$sh" "fleche " gc verify query show rm stats explain
    expect "$sh" "fleche gc --max-s" --max-size
    expect "$sh" "fleche query --so" --sort
    expect "$sh" "fleche stats --j" --json
    fl run -- echo completion >/dev/null
    local key
    key=$(fl query --keys | head -n 1)
    [[ ${#key} == 64 ]] || fail "fixture: no stored key ($key)"
    expect "$sh" "fleche show ${key:0:3}" "$key"
    expect "$sh" "fleche rm ${key:0:3}" "$key"
}

case_bash() { check_shell bash; }
case_zsh() { check_shell zsh; }
case_fish() { check_shell fish; }

run_case bash case_bash
run_case zsh case_zsh
run_case fish case_fish
finish
