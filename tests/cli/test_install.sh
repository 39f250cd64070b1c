#!/usr/bin/env bash
# cmake --install puts a stripped binary, the man page and the completions
# where man and each shell look for them. Installs from the existing build
# directory (builds nothing) into a temporary prefix, once for all cases.
# A check whose tool is missing (man, bash-completion, fish, zsh, readelf) is
# its own case and is reported as "skip - NAME: skipped: REASON".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD_DIR=$(dirname "$FLECHE_BIN")
PREFIX=$SCRATCH/prefix

# install_once: the prefix, installed by the first case that needs it.
install_once() {
    [[ -f "$BUILD_DIR/cmake_install.cmake" ]] || skip "skipped: no cmake build directory at $BUILD_DIR"
    [[ -x "$PREFIX/bin/fleche" ]] || cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$AUX/install.log"
}

# has_section FILE NAME: the ELF file has a section called NAME. (Not
# `readelf | grep -q`: grep would stop at the match, and under pipefail
# readelf's SIGPIPE would make the pipeline fail.)
has_section() {
    local sections
    sections=$(readelf -S -W "$1") || fail "readelf cannot read $1"
    [[ $sections == *" $2 "* ]]
}

case_install_into_a_prefix() {
    install_once
    # The version the build was configured with, as CMake recorded it.
    local version
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD_DIR/CMakeCache.txt")
    [[ -n "$version" ]] || fail "no CMAKE_PROJECT_VERSION in $BUILD_DIR/CMakeCache.txt"
    capture v "$PREFIX/bin/fleche" --version
    assert_file_content v.out "fleche $version
"
    assert_file_eq "$FLECHE_SOURCE_DIR/man/fleche.1" "$PREFIX/share/man/man1/fleche.1"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/fleche.bash" "$PREFIX/share/bash-completion/completions/fleche"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/_fleche" "$PREFIX/share/zsh/vendor-completions/_fleche"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/fleche.fish" "$PREFIX/share/fish/vendor_completions.d/fleche.fish"
}

case_installed_binary_is_stripped() {
    command -v readelf >/dev/null || skip "skipped: no readelf to read the sections of the binary"
    install_once
    ! has_section "$PREFIX/bin/fleche" .symtab || fail "the installed binary has a symbol table"
    ! has_section "$PREFIX/bin/fleche" .debug_info || fail "the installed binary has debug information"
    # The build tree keeps what a debugger needs (a RelWithDebInfo build).
    if grep -q '^CMAKE_BUILD_TYPE:STRING=\(RelWithDebInfo\|Debug\)$' "$BUILD_DIR/CMakeCache.txt"; then
        has_section "$FLECHE_BIN" .debug_info || fail "build/fleche lost its debug information"
    fi
    local installed built
    installed=$(stat -c %s "$PREFIX/bin/fleche")
    built=$(stat -c %s "$FLECHE_BIN")
    ((installed < built)) || fail "installed $installed bytes, not smaller than the build's $built"
}

case_man_finds_the_page() {
    command -v man >/dev/null || skip "skipped: man is not installed"
    install_once
    # man finds the page through the prefix's MANPATH.
    assert_eq "$PREFIX/share/man/man1/fleche.1" "$(MANPATH=$PREFIX/share/man man -w fleche)"
}

case_bash_loads_the_completion() {
    [[ -f /usr/share/bash-completion/bash_completion ]] || skip "skipped: bash-completion is not installed"
    install_once
    # bash-completion loads completions on demand from $XDG_DATA_DIRS/bash-completion/completions.
    local got
    got=$(XDG_DATA_DIRS=$PREFIX/share bash --norc -c '
        source /usr/share/bash-completion/bash_completion
        __load_completion fleche && complete -p fleche')
    assert_eq "complete -F _fleche fleche" "$got" "bash did not load the installed completion"
}

case_fish_loads_the_completion() {
    command -v fish >/dev/null || skip "skipped: fish is not installed"
    install_once
    # fish reads vendor_completions.d below each of $XDG_DATA_DIRS, for
    # commands on PATH (--no-config would leave the search path empty, so an
    # empty HOME keeps user files out).
    mkdir -p "$AUX/home"
    assert_contains "$(PATH=$PREFIX/bin:$PATH HOME=$AUX/home XDG_CONFIG_HOME=$AUX/home/.config XDG_DATA_HOME=$AUX/home/.local \
        XDG_DATA_DIRS=$PREFIX/share fish -c 'complete -C "fleche conf"')" config
}

case_zsh_loads_the_completion() {
    command -v zsh >/dev/null || skip "skipped: zsh is not installed"
    install_once
    # zsh: the vendor-completions folder on $fpath is enough for compinit.
    assert_eq "_fleche" "$(zsh -f -c "fpath=($PREFIX/share/zsh/vendor-completions \$fpath);
        autoload -Uz compinit; compinit -u -D; print \$_comps[fleche]")"
}

run_case install_into_a_prefix case_install_into_a_prefix
run_case installed_binary_is_stripped case_installed_binary_is_stripped
run_case man_finds_the_page case_man_finds_the_page
run_case bash_loads_the_completion case_bash_loads_the_completion
run_case fish_loads_the_completion case_fish_loads_the_completion
run_case zsh_loads_the_completion case_zsh_loads_the_completion
finish
