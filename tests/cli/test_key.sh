#!/usr/bin/env bash
# What goes into the key: argv, tool identity, env selection, salt, cwd;
# `fleche digest` and `fleche has` agree with `fleche run`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_digest_format() {
    make_counted c 'echo hi'
    capture d1 fl digest -- ./c a b
    assert_eq 0 "$RC" "digest exit code"
    assert_is_hex64 "$(cat d1.out)"
    assert_eq 65 "$(stat -c %s d1.out)" "digest output is 64 hex chars + newline"
    assert_eq "" "$(tail -c 1 d1.out | tr -d '\n')" "digest ends with a newline"
    capture d2 fl digest -- ./c a b
    assert_file_eq d1.out d2.out "digest is stable across calls"
    assert_runs c 0 "digest must not run CMD"
    # The key does not depend on the store location.
    capture d3 env FLECHE_DIR="$PWD/other-store" "$FLECHE_BIN" digest -- ./c a b
    assert_file_eq d1.out d3.out "digest does not depend on FLECHE_DIR"
}

case_has_before_and_after() {
    make_counted c 'echo hi'
    assert_exit 1 fl has -- ./c x
    assert_runs c 0 "has must not run CMD"
    fl run -- ./c x >/dev/null
    assert_exit 0 fl has -- ./c x
    assert_exit 1 fl has -- ./c y
    assert_exit 1 fl has --salt s -- ./c x
    assert_exit 1 fl has -e HOME -- ./c x
    assert_runs c 1
}

case_argv() {
    make_counted c 'echo "args: $*"'
    local d0 d1 d2 d3 d4 d5
    d0=$(fl digest -- ./c a b)
    d1=$(fl digest -- ./c b a)
    d2=$(fl digest -- ./c a b '')
    d3=$(fl digest -- ./c 'a b')
    d4=$(fl digest -- ./c ab)
    d5=$(fl digest -- ./c a)
    assert_ne "$d0" "$d1" "argument order matters"
    assert_ne "$d0" "$d2" "a trailing empty argument matters"
    assert_ne "$d0" "$d3" "'a b' is not 'a' 'b'"
    assert_ne "$d3" "$d4" "'a b' is not 'ab'"
    assert_ne "$d0" "$d4" "'a' 'b' is not 'ab'"
    assert_ne "$d0" "$d5" "extra argument matters"

    fl run -- ./c a b >r1.out
    fl run -- ./c a b >r2.out
    assert_runs c 1 "same argv: hit"
    fl run -- ./c b a >r3.out
    assert_runs c 2 "different order: miss"
    assert_file_content r3.out $'args: b a\n'
    fl run -- ./c 'a b' >r4.out
    assert_runs c 3 "one argument with a space: miss"
    assert_file_content r4.out $'args: a b\n'
    fl run -- ./c a b '' >r5.out
    assert_runs c 4 "trailing empty argument: miss"
}

case_argv0_as_typed() {
    make_counted c 'echo hi'
    local d1 d2
    d1=$(fl digest -- ./c)
    d2=$(fl digest -- "$PWD/c")
    assert_ne "$d1" "$d2" "argv[0] is hashed as typed (./c vs absolute path)"
}

case_tool_script_on_path() {
    mkdir bin
    make_counted bin/tool 'echo "tool v1 $*"'
    export PATH="$PWD/bin:$PATH"
    capture r1 fl run -- tool x
    assert_file_content r1.out $'tool v1 x\n'
    capture r2 fl run -- tool x
    assert_file_content r2.out $'tool v1 x\n'
    assert_runs bin/tool 1 "same tool: hit"
    # Same path, new content.
    make_counted bin/tool 'echo "tool v2 $*"'
    assert_exit 1 fl has -- tool x
    capture r3 fl run -- tool x
    assert_file_content r3.out $'tool v2 x\n' "a changed tool must run again"
    assert_runs bin/tool 2
    # Even a change that does not alter behaviour (a comment) is a new tool.
    printf '# comment\n' >>bin/tool
    capture r4 fl run -- tool x
    assert_runs bin/tool 3 "changed tool content (comment only): miss"
}

case_tool_binary_on_path() {
    mkdir bin
    cp "$(type -P echo)" bin/say
    export PATH="$PWD/bin:$PATH"
    capture r1 fl run -- say hello
    assert_file_content r1.out $'hello\n'
    assert_exit 0 fl has -- say hello
    # Append a byte to the ELF file: still runs the same, but is another tool.
    printf '\0' >>bin/say
    assert_exit 1 fl has -- say hello
    # Replace the binary by a script at the same path.
    printf '#!/bin/sh\necho "changed $*"\n' >bin/say
    chmod +x bin/say
    capture r2 fl run -- say hello
    assert_file_content r2.out $'changed hello\n' "a replaced binary must run again"
}

case_tool_resolved_through_path() {
    # The same name resolving to another file is another tool.
    mkdir b1 b2
    make_counted b1/t 'echo one'
    make_counted b2/t 'echo two'
    local d1 d2
    d1=$(PATH="$PWD/b1:$PATH" fl digest -- t)
    d2=$(PATH="$PWD/b2:$PATH" fl digest -- t)
    assert_ne "$d1" "$d2" "PATH resolution to a different executable"
    PATH="$PWD/b1:$PATH" fl run -- t >r1.out
    PATH="$PWD/b2:$PATH" fl run -- t >r2.out
    assert_file_content r1.out $'one\n'
    assert_file_content r2.out $'two\n' "the second tool on PATH must really run"
}

case_shebang_interpreter() {
    mkdir interp
    cp "$(type -P sh)" interp/mysh
    {
        printf '#!%s/interp/mysh\n' "$PWD"
        printf 'echo run >> %s/count\n' "$AUX"
        printf 'echo scripted\n'
    } >script
    chmod +x script
    capture r1 fl run -- ./script
    assert_eq 0 "$RC" "script with a copied interpreter runs: $(cat r1.err)"
    assert_file_content r1.out $'scripted\n'
    fl run -- ./script >/dev/null
    assert_eq 1 "$(wc -l <"$AUX/count")" "same script, same interpreter: hit"
    # Change the interpreter only (append a byte to the ELF file).
    printf '\0' >>interp/mysh
    assert_exit 1 fl has -- ./script
    capture r2 fl run -- ./script
    assert_eq 0 "$RC"
    assert_file_content r2.out $'scripted\n'
    assert_eq 2 "$(wc -l <"$AUX/count")" "changed interpreter: miss"
}

case_shebang_env_interpreter() {
    [[ -x /usr/bin/env ]] || fail "/usr/bin/env is required"
    mkdir bin
    cp "$(type -P sh)" bin/fleche-test-sh
    export PATH="$PWD/bin:$PATH"
    {
        printf '#!/usr/bin/env fleche-test-sh\n'
        printf 'echo run >> %s/count\n' "$AUX"
        printf 'echo via-env\n'
    } >script
    chmod +x script
    capture r1 fl run -- ./script
    assert_eq 0 "$RC" "script via /usr/bin/env runs: $(cat r1.err)"
    assert_file_content r1.out $'via-env\n'
    fl run -- ./script >/dev/null
    assert_eq 1 "$(wc -l <"$AUX/count")" "hit"
    printf '\0' >>bin/fleche-test-sh
    assert_exit 1 fl has -- ./script
    fl run -- ./script >/dev/null
    assert_eq 2 "$(wc -l <"$AUX/count")" "interpreter found through env changed: miss"
    # The same interpreter name resolving elsewhere on PATH is another tool too.
    mkdir bin2
    cp "$(type -P bash)" bin2/fleche-test-sh
    local d1 d2
    d1=$(fl digest -- ./script)
    d2=$(PATH="$PWD/bin2:$PATH" fl digest -- ./script)
    assert_ne "$d1" "$d2" "#!/usr/bin/env X: X resolved through PATH"
}

case_env_selection() {
    make_counted c 'echo "FOO=${FOO-unset}"'
    local unset_d empty_d a_d a2_d b_d
    unset_d=$(env -u FOO "$FLECHE_BIN" digest -e FOO -- ./c)
    empty_d=$(FOO='' fl digest -e FOO -- ./c)
    a_d=$(FOO=a fl digest -e FOO -- ./c)
    a2_d=$(FOO=a fl digest -e FOO -- ./c)
    b_d=$(FOO=b fl digest -e FOO -- ./c)
    assert_ne "$unset_d" "$empty_d" "unset differs from empty"
    assert_ne "$empty_d" "$a_d" "empty differs from a value"
    assert_ne "$unset_d" "$a_d" "unset differs from a value"
    assert_ne "$a_d" "$b_d" "different values differ"
    assert_eq "$a_d" "$a2_d" "same value: same key"
    # Unselected variables do not matter.
    assert_eq "$a_d" "$(FOO=a BAR=1 fl digest -e FOO -- ./c)" "unselected BAR set"
    assert_eq "$a_d" "$(FOO=a BAR=2 fl digest -e FOO -- ./c)" "unselected BAR changed"
    assert_eq "$(FOO=1 fl digest -- ./c)" "$(FOO=2 fl digest -- ./c)" "FOO not selected"
    # Selecting the variable changes the key.
    assert_ne "$(FOO=a fl digest -- ./c)" "$a_d" "-e FOO is part of the key"

    # The same through real runs.
    FOO=a fl run -e FOO -- ./c >r1.out
    FOO=a BAR=x fl run -e FOO -- ./c >r2.out
    assert_runs c 1 "same FOO: hit"
    assert_file_content r2.out $'FOO=a\n'
    FOO=b fl run -e FOO -- ./c >r3.out
    assert_runs c 2 "FOO changed: miss"
    assert_file_content r3.out $'FOO=b\n'
    FOO='' fl run -e FOO -- ./c >r4.out
    assert_runs c 3 "FOO empty: miss"
    assert_file_content r4.out $'FOO=\n'
    env -u FOO "$FLECHE_BIN" run -e FOO -- ./c >r5.out
    assert_runs c 4 "FOO unset: miss"
    assert_file_content r5.out $'FOO=unset\n'
    env -u FOO "$FLECHE_BIN" run -e FOO -- ./c >r6.out
    assert_runs c 4 "FOO unset again: hit"
}

case_env_glob() {
    make_counted c 'echo "${KEYT_A-} ${KEYT_B-}"'
    local base
    base=$(env -u KEYT_B KEYT_A=1 "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)
    assert_eq "$base" "$(env -u KEYT_B KEYT_A=1 OTHER=9 "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "variables not matching the glob do not matter"
    assert_ne "$base" "$(env -u KEYT_B KEYT_A=2 "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "matching variable changed"
    assert_ne "$base" "$(KEYT_A=1 KEYT_B=x "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "a new matching variable"
    assert_ne "$base" "$(KEYT_A=1 KEYT_B='' "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "a new matching variable, empty"
    assert_ne "$(env -u KEYT_A -u KEYT_B "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "$(env -u KEYT_B KEYT_A= "$FLECHE_BIN" digest -e 'KEYT_*' -- ./c)" \
        "no match vs a matching empty variable"
    assert_ne "$(env -u KEYT_B KEYT_A=1 "$FLECHE_BIN" digest -e 'KEYT_?' -- ./c)" \
        "$(env -u KEYT_B KEYT_A=2 "$FLECHE_BIN" digest -e 'KEYT_?' -- ./c)" \
        "? glob"

    env -u KEYT_B KEYT_A=1 "$FLECHE_BIN" run -e 'KEYT_*' -- ./c >r1.out
    env -u KEYT_B KEYT_A=1 "$FLECHE_BIN" run -e 'KEYT_*' -- ./c >r2.out
    assert_runs c 1
    KEYT_A=1 KEYT_B=2 "$FLECHE_BIN" run -e 'KEYT_*' -- ./c >r3.out
    assert_runs c 2 "new matching variable: miss"
    assert_file_content r3.out $'1 2\n'
}

case_salt() {
    make_counted c 'echo salted'
    local none a a2 b
    none=$(fl digest -- ./c)
    a=$(fl digest --salt a -- ./c)
    a2=$(fl digest --salt a -- ./c)
    b=$(fl digest --salt b -- ./c)
    assert_ne "$none" "$a" "salt vs no salt"
    assert_ne "$a" "$b" "different salts"
    assert_eq "$a" "$a2" "same salt"
    fl run --salt a -- ./c >/dev/null
    fl run --salt a -- ./c >/dev/null
    assert_runs c 1 "same salt: hit"
    fl run --salt b -- ./c >/dev/null
    assert_runs c 2 "other salt: miss"
    fl run -- ./c >/dev/null
    assert_runs c 3 "no salt: miss"
}

case_key_cwd() {
    make_counted c 'cat in.txt'
    mkdir d1 d2
    echo same >d1/in.txt
    echo same >d2/in.txt
    local c=$PWD/c
    local k1 k2 kc1 kc2
    k1=$(cd d1 && fl digest -i in.txt -- "$c")
    k2=$(cd d2 && fl digest -i in.txt -- "$c")
    assert_eq "$k1" "$k2" "without --key-cwd the directory is not in the key"
    kc1=$(cd d1 && fl digest --key-cwd -i in.txt -- "$c")
    kc2=$(cd d2 && fl digest --key-cwd -i in.txt -- "$c")
    assert_ne "$kc1" "$kc2" "with --key-cwd the directory is in the key"
    assert_ne "$k1" "$kc1" "--key-cwd changes the key"

    (cd d1 && fl run -i in.txt -- "$c" >out)
    (cd d2 && fl run -i in.txt -- "$c" >out)
    assert_runs c 1 "same relative inputs in another dir: hit without --key-cwd"
    assert_file_content d2/out $'same\n'
    (cd d1 && fl run --key-cwd -i in.txt -- "$c" >out)
    (cd d2 && fl run --key-cwd -i in.txt -- "$c" >out)
    assert_runs c 3 "with --key-cwd each directory runs"
    (cd d2 && fl run --key-cwd -i in.txt -- "$c" >out)
    assert_runs c 3 "with --key-cwd, same directory: hit"
}

case_digest_has_run_agree() {
    echo data >in.txt
    local opts=(-e FOO --salt s1 -i in.txt -o out.txt)
    make_counted c 'echo "$FOO"; cat in.txt; echo x > out.txt'
    local d
    d=$(FOO=v fl digest "${opts[@]}" -- ./c arg)
    assert_is_hex64 "$d"
    FOO=v assert_exit 1 fl has "${opts[@]}" -- ./c arg
    FOO=v fl run "${opts[@]}" -- ./c arg >/dev/null
    FOO=v assert_exit 0 fl has "${opts[@]}" -- ./c arg
    assert_eq "$d" "$(FOO=v fl digest "${opts[@]}" -- ./c arg)" "digest unchanged after run"
    # Any different option: has says no.
    FOO=w assert_exit 1 fl has "${opts[@]}" -- ./c arg
    FOO=v assert_exit 1 fl has -e FOO --salt s2 -i in.txt -o out.txt -- ./c arg
    FOO=v assert_exit 1 fl has -e FOO --salt s1 -o out.txt -- ./c arg
    FOO=v assert_exit 1 fl has -e FOO --salt s1 -i in.txt -- ./c arg
    FOO=v assert_exit 1 fl has "${opts[@]}" -- ./c arg2
    FOO=v assert_exit 1 fl has --key-cwd "${opts[@]}" -- ./c arg
    # -v on a hit names the same key.
    capture v env FOO=v "$FLECHE_BIN" run -v "${opts[@]}" -- ./c arg
    assert_file_contains v.err "fleche: hit ${d:0:8}" "-v hit line names the digest's first 8 chars"
    assert_runs c 1
}

case_verbose_miss_names_digest() {
    make_counted c 'echo hi'
    local d
    d=$(fl digest --salt q -- ./c)
    capture v fl run -v --salt q -- ./c
    assert_file_contains v.err "fleche: miss ${d:0:8}" "-v miss line names the digest's first 8 chars"
}

run_case digest_format case_digest_format
run_case has_before_and_after case_has_before_and_after
run_case argv case_argv
run_case argv0_as_typed case_argv0_as_typed
run_case tool_script_on_path case_tool_script_on_path
run_case tool_binary_on_path case_tool_binary_on_path
run_case tool_resolved_through_path case_tool_resolved_through_path
run_case shebang_interpreter case_shebang_interpreter
run_case shebang_env_interpreter case_shebang_env_interpreter
run_case env_selection case_env_selection
run_case env_glob case_env_glob
run_case salt case_salt
run_case key_cwd case_key_cwd
run_case digest_has_run_agree case_digest_has_run_agree
run_case verbose_miss_names_digest case_verbose_miss_names_digest
finish
