#!/usr/bin/env bash
# cmake --install puts the binary, the man page and the completions where
# man and each shell look for them. Installs from the existing build
# directory (builds nothing) into a temporary prefix.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILD_DIR=$(dirname "$FLECHE_BIN")

case_install_into_a_prefix() {
    [[ -f "$BUILD_DIR/cmake_install.cmake" ]] || skip "no cmake build directory at $BUILD_DIR"
    local prefix=$AUX/prefix
    cmake --install "$BUILD_DIR" --prefix "$prefix" >install.log
    capture v "$prefix/bin/fleche" --version
    assert_file_content v.out "fleche 0.1.0
"
    assert_file_eq "$FLECHE_SOURCE_DIR/man/fleche.1" "$prefix/share/man/man1/fleche.1"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/fleche.bash" "$prefix/share/bash-completion/completions/fleche"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/_fleche" "$prefix/share/zsh/vendor-completions/_fleche"
    assert_file_eq "$FLECHE_SOURCE_DIR/completions/fleche.fish" "$prefix/share/fish/vendor_completions.d/fleche.fish"

    # man finds the page through the prefix's MANPATH.
    if command -v man >/dev/null; then
        assert_eq "$prefix/share/man/man1/fleche.1" "$(MANPATH=$prefix/share/man man -w fleche)"
    fi
    # bash-completion loads completions on demand from $XDG_DATA_DIRS/bash-completion/completions.
    if [[ -f /usr/share/bash-completion/bash_completion ]]; then
        local got
        got=$(XDG_DATA_DIRS=$prefix/share bash --norc -c '
            source /usr/share/bash-completion/bash_completion
            __load_completion fleche && complete -p fleche')
        assert_eq "complete -F _fleche fleche" "$got" "bash did not load the installed completion"
    fi
    # fish reads vendor_completions.d below each of $XDG_DATA_DIRS.
    if command -v fish >/dev/null; then
        # (fish loads completions only for commands on PATH; --no-config would leave the
        # search path empty, so an empty HOME keeps user files out.)
        mkdir -p "$AUX/home"
        assert_contains "$(PATH=$prefix/bin:$PATH HOME=$AUX/home XDG_CONFIG_HOME=$AUX/home/.config XDG_DATA_HOME=$AUX/home/.local \
            XDG_DATA_DIRS=$prefix/share fish -c 'complete -C "fleche conf"')" config
    fi
    # zsh: the vendor-completions folder on $fpath is enough for compinit.
    if command -v zsh >/dev/null; then
        assert_eq "_fleche" "$(zsh -f -c "fpath=($prefix/share/zsh/vendor-completions \$fpath);
            autoload -Uz compinit; compinit -u -D; print \$_comps[fleche]")"
    fi
}

run_case install_into_a_prefix case_install_into_a_prefix
finish
