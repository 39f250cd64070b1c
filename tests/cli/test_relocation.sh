#!/usr/bin/env bash
# --base-dir (keys shared between checkouts at different paths), --env-all
# (the whole environment but its volatile variables), and the plumbing of
# --trace and its configuration keys into the key.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# checkouts: ck1 and ck2, the same project at two paths, each with build/ to
# run in; ./tool (outside both) prints the file it is given.
checkouts() {
    local ck
    for ck in ck1 ck2; do
        mkdir -p $ck/build $ck/inc $ck/sys
        printf 'same input\n' >$ck/in.txt
        printf 'root = true\n' >$ck/fleche.toml
    done
    make_counted tool 'cat "$1"'
}

# tool_args CK: the arguments of a CMake-like command line in checkout CK.
tool_args() {
    local ck=$PWD/$1
    printf '%s\n' "$ck/in.txt" "-I$ck/inc" "-isystem$ck/sys" "--out=$ck/build/x.o" "-o$ck/build/y.o"
}

case_base_dir_shares_keys_between_checkouts() {
    checkouts
    local w=$PWD k1 k2
    mapfile -t a1 < <(tool_args ck1)
    mapfile -t a2 < <(tool_args ck2)
    (cd ck1/build && fl run --base-dir "$w/ck1" -i "$w/ck1/in.txt" -- "$w/tool" "${a1[@]}" >../out)
    assert_runs tool 1
    (cd ck2/build && fl run -v --base-dir "$w/ck2" -i "$w/ck2/in.txt" -- "$w/tool" "${a2[@]}" \
        >../out 2>../err)
    assert_runs tool 1 "the second checkout hits"
    assert_file_content ck2/out $'same input\n'
    assert_contains "$(cat ck2/err)" "fleche: hit "
    # The record names the paths relative to the working directory.
    k1=$(cd ck1/build && fl digest --base-dir "$w/ck1" -i "$w/ck1/in.txt" -- "$w/tool" "${a1[@]}")
    k2=$(cd ck2/build && fl digest --base-dir "$w/ck2" -i "$w/ck2/in.txt" -- "$w/tool" "${a2[@]}")
    assert_eq "$k1" "$k2" "digest in both checkouts"
    fl show "$k1" >shown
    assert_file_contains shown "../in.txt"
    assert_file_contains shown "-isystem../sys"
    assert_file_contains shown "--out=x.o"
    assert_not_contains "$(sed -n '/^key record/,$p' shown)" "$w/ck1" \
        "no absolute path beneath the base directory in the key record"

    # Without --base-dir the paths differ: a miss.
    (cd ck2/build && fl run -i "$w/ck2/in.txt" -- "$w/tool" "${a2[@]}" >/dev/null)
    assert_runs tool 2 "no --base-dir: miss"
    # The content of an input still counts.
    printf 'other input\n' >ck2/in.txt
    (cd ck2/build && fl run --base-dir "$w/ck2" -i "$w/ck2/in.txt" -- "$w/tool" "${a2[@]}" >../out)
    assert_runs tool 3 "changed input: miss"
    assert_file_content ck2/out $'other input\n'
}

case_base_dir_relocates_outputs_beneath_cwd() {
    checkouts
    make_counted gen 'cat "$1" >"$2"; echo made'
    local w=$PWD
    (cd ck1/build && fl run --base-dir .. -i "$w/ck1/in.txt" -o "$w/ck1/build/out.txt" \
        -- "$w/gen" "$w/ck1/in.txt" "$w/ck1/build/out.txt" >log)
    (cd ck2/build && fl run --base-dir .. -i "$w/ck2/in.txt" -o "$w/ck2/build/out.txt" \
        -- "$w/gen" "$w/ck2/in.txt" "$w/ck2/build/out.txt" >log)
    assert_runs gen 1 "the second checkout hits"
    assert_file_content ck2/build/out.txt $'same input\n'
    assert_file_content ck2/build/log $'made\n'
    # Beneath the base directory but not beneath cwd: still refused.
    cd ck2/build
    assert_exit 125 fl run --base-dir .. -o "$w/ck2/in.txt" -- "$w/gen" x y
    assert_contains "$(cat "$AUX/last.err")" "output '$w/ck2/in.txt' must be a path inside the working directory"
    assert_runs gen 1
}

case_base_dir_agrees_with_digest_has_explain() {
    checkouts
    local w=$PWD key
    (cd ck1/build && fl run --base-dir .. -- "$w/tool" "$w/ck1/in.txt" >/dev/null)
    key=$(fl query --keys)
    cd ck2/build
    assert_eq "$key" "$(fl digest --base-dir .. -- "$w/tool" "$w/ck2/in.txt")" "digest in ck2"
    assert_exit 0 fl has --base-dir .. -- "$w/tool" "$w/ck2/in.txt"
    assert_exit 0 fl explain --base-dir .. -- "$w/tool" "$w/ck2/in.txt"
    assert_contains "$(cat "$AUX/last.out")" "hit "
    assert_exit 1 fl explain -- "$w/tool" "$w/ck2/in.txt"
    assert_contains "$(cat "$AUX/last.out")" "argv[1]: \"../in.txt\" -> \"$w/ck2/in.txt\""
}

case_base_dir_leaves_other_paths_alone() {
    checkouts
    local w=$PWD plain
    # A relative --base-dir is taken against the working directory, and a
    # missing one is no error.
    cd ck1/build
    assert_eq "$(fl digest --base-dir "$w/ck1" -- "$w/tool" "$w/ck1/in.txt")" \
        "$(fl digest --base-dir ../build/.. -- "$w/tool" "$w/ck1/in.txt")" "relative --base-dir"
    plain=$(fl digest -- "$w/tool" "$w/ck1/in.txt")
    assert_eq "$plain" "$(fl digest --base-dir "$w/missing" -- "$w/tool" "$w/ck1/in.txt")" \
        "a base directory that holds nothing given changes nothing"
    # Only while the working directory is beneath the base directory.
    cd "$w"
    assert_ne "$(fl digest --base-dir ck1 -- "$w/tool" "$w/ck1/in.txt")" \
        "$(fl digest --base-dir ck2 -- "$w/tool" "$w/ck2/in.txt")" "working directory outside"
    # Not a path in a word that is not an option ("x/ck1/..."), nor after
    # a comma.
    cd ck1/build
    assert_ne "$(fl digest --base-dir .. -- "$w/tool" "-Wl,-rpath,$w/ck1/lib")" \
        "$(cd "$w/ck2/build" && fl digest --base-dir .. -- "$w/tool" "-Wl,-rpath,$w/ck2/lib")" \
        "-Wl,-rpath,DIR is left as it is"
}

case_base_dir_from_config() {
    checkouts
    local w=$PWD k1 k2
    printf 'root = true\n[run]\nbase_dir = "."\n' >ck1/fleche.toml
    printf 'root = true\n[run]\nbase_dir = "."\n' >ck2/fleche.toml
    (cd ck1/build && fl run -- "$w/tool" "$w/ck1/in.txt" >../out)
    (cd ck2/build && fl run -- "$w/tool" "$w/ck2/in.txt" >../out)
    assert_runs tool 1 "[run] base_dir: the second checkout hits"
    assert_file_content ck2/out $'same input\n'
    k1=$(cd ck1/build && fl digest -- "$w/tool" "$w/ck1/in.txt")
    assert_eq "$k1" "$(cd ck1/build && fl digest --base-dir "$w/ck1" -- "$w/tool" "$w/ck1/in.txt")" \
        "[run] base_dir is --base-dir"
    assert_ne "$k1" "$(cd ck1/build && fl digest --base-dir '' -- "$w/tool" "$w/ck1/in.txt")" \
        "--base-dir '' turns it off"
    (cd ck1/build && fl config) >shown
    assert_file_contains shown "run.base_dir = \"$w/ck1\""
    # A rule's base_dir, for its tool.
    printf 'root = true\n[[rule]]\nmatch = "tool"\nbase_dir = "."\n' >ck1/fleche.toml
    printf 'root = true\n[[rule]]\nmatch = "tool"\nbase_dir = "."\n' >ck2/fleche.toml
    k2=$(cd ck2/build && fl digest -- "$w/tool" "$w/ck2/in.txt")
    assert_eq "$k1" "$k2" "[[rule]] base_dir"
}

case_env_all_keys_on_ordinary_variables_only() {
    make_counted tool 'echo "mode=$MODE"'
    local k
    k=$(MODE=dev fl digest --env-all -- ./tool)
    assert_ne "$k" "$(MODE=prod fl digest --env-all -- ./tool)" "an ordinary variable changed"
    assert_ne "$k" "$(fl digest --env-all -- ./tool)" "an ordinary variable unset"
    assert_eq "$(MODE=dev fl digest -- ./tool)" "$(MODE=prod fl digest -- ./tool)" \
        "without --env-all it is not in the key"
    assert_eq "$k" "$(MODE=dev PWD=/elsewhere OLDPWD=/x SHLVL=9 MAKEFLAGS='-j8 --jobserver-auth=3,4' \
        MAKELEVEL=2 SSH_TTY=/dev/pts/9 TMUX_PANE=%3 COLUMNS=31 FLECHE_TAGS=a=b fl digest --env-all -- ./tool)" \
        "volatile variables changed"
    assert_ne "$k" "$(MODE=dev TERM=dumb-other fl digest --env-all -- ./tool)" "TERM is keyed"

    # run: hit across volatile changes, miss on the ordinary one.
    MODE=dev fl run --env-all -- ./tool >out
    MODE=dev SHLVL=5 MAKEFLAGS=-j3 fl run --env-all -- ./tool >out
    assert_runs tool 1 "volatile change: hit"
    MODE=prod fl run --env-all -- ./tool >out
    assert_runs tool 2 "MODE changed: miss"
    assert_file_content out $'mode=prod\n'
    MODE=other assert_exit 1 fl explain --env-all -- ./tool
    assert_contains "$(cat "$AUX/last.out")" "env MODE: "
    # The record holds a digest of a variable nobody selected, not its value.
    SECRET=hunter2 fl run --env-all -- ./tool >/dev/null
    fl show "$(SECRET=hunter2 fl digest --env-all -- ./tool)" >shown
    assert_file_contains shown "SECRET"
    assert_not_contains "$(cat shown)" "hunter2"
}

case_env_all_with_env_and_config() {
    make_counted tool 'true'
    local k
    # -e still adds, even a volatile variable.
    assert_ne "$(SHLVL=1 fl digest --env-all -e SHLVL -- ./tool)" \
        "$(SHLVL=2 fl digest --env-all -e SHLVL -- ./tool)" "-e SHLVL with --env-all"
    assert_ne "$(MODE=a fl digest --env-all -e MODE -- ./tool)" \
        "$(MODE=b fl digest --env-all -e MODE -- ./tool)" "-e MODE with --env-all"
    k=$(MODE=a fl digest --env-all -- ./tool)
    printf 'root = true\n[run]\nenv_all = true\n' >fleche.toml
    assert_eq "$k" "$(MODE=a fl digest -- ./tool)" "[run] env_all is --env-all"
    printf 'root = true\n[[rule]]\nmatch = "tool"\nenv_all = true\n' >fleche.toml
    assert_eq "$k" "$(MODE=a fl digest -- ./tool)" "[[rule]] env_all"
    printf 'root = true\n[run]\nenv_all = true\n[[rule]]\nmatch = "tool"\nenv_all = false\n' >fleche.toml
    assert_eq "$(MODE=a fl digest -- ./tool)" "$(MODE=b fl digest -- ./tool)" \
        "a rule's env_all = false wins over [run]"
}

case_trace_options_reach_the_key() {
    make_counted gcc 'true'
    local plain traced ignored
    plain=$(fl digest -- ./gcc -c a.c)
    traced=$(fl digest --trace -- ./gcc -c a.c)
    assert_ne "$plain" "$traced" "--trace makes another key"
    printf 'root = true\n[run]\ntrace = true\n' >fleche.toml
    assert_eq "$traced" "$(fl digest -- ./gcc -c a.c)" "[run] trace is --trace"
    assert_eq "$plain" "$(fl digest --no-trace -- ./gcc -c a.c)" "--no-trace wins over [run] trace"
    assert_exit 125 fl digest --trace --no-trace -- ./gcc -c a.c
    printf 'root = true\n[[rule]]\nmatch = ["gcc", "cc"]\ntrace = true\n' >fleche.toml
    assert_eq "$traced" "$(fl digest -- ./gcc -c a.c)" "a rule's trace for its tool"
    make_counted other 'true'
    assert_ne "$(fl digest -- ./other -c a.c)" "$(fl digest --trace -- ./other -c a.c)" \
        "the rule leaves other tools untraced"
    printf 'root = true\n[run]\ntrace = true\n[[rule]]\nmatch = "gcc"\ntrace = false\n' >fleche.toml
    assert_eq "$plain" "$(fl digest -- ./gcc -c a.c)" "a rule's trace = false wins over [run]"

    printf 'root = true\n[run]\ntrace_ignore = ["/usr/share/locale/**", "**/*.pyc"]\n' >fleche.toml
    ignored=$(fl digest --trace -- ./gcc -c a.c)
    assert_ne "$traced" "$ignored" "trace_ignore changes the key"
    assert_eq "$plain" "$(fl digest -- ./gcc -c a.c)" "trace_ignore without a trace"
    printf 'root = true\n[run]\ntrace_ignore = "/usr/share/locale/**"\n[[rule]]\nmatch = "gcc"\ntrace_ignore = ["**/*.pyc"]\n' >fleche.toml
    assert_eq "$ignored" "$(fl digest --trace -- ./gcc -c a.c)" "a rule's trace_ignore adds to [run]'s"
    printf 'root = true\n[run]\ntrace_ignore = ["build/**"]\n' >fleche.toml
    assert_exit 125 fl digest --trace -- ./gcc -c a.c
    assert_contains "$(cat "$AUX/last.err")" "trace_ignore glob 'build/**'"
}

case_rule_key_cwd() {
    make_counted cc 'true'
    mkdir d1 d2
    printf 'root = true\n[[rule]]\nmatch = "cc"\nkey_cwd = true\n' >fleche.toml
    local k1 k2
    k1=$(cd d1 && fl digest -- ../cc -g -c a.c)
    k2=$(cd d2 && fl digest -- ../cc -g -c a.c)
    assert_ne "$k1" "$k2" "[[rule]] key_cwd: each directory its key"
    assert_eq "$k1" "$(cd d1 && fl digest --key-cwd -- ../cc -g -c a.c)" "[[rule]] key_cwd is --key-cwd"
}

case_config_shows_the_flags() {
    printf 'root = true\n' >fleche.toml
    fl config --trace --env-all --base-dir sub >shown
    assert_file_contains shown "run.trace = true"
    assert_file_contains shown "# flag --trace"
    assert_file_contains shown "# flag --env-all"
    assert_file_contains shown "run.base_dir = \"$PWD/sub\""
    printf 'root = true\n[[rule]]\nmatch = "cc"\ntrace = true\ntrace_ignore = "/opt/**"\nkey_cwd = true\nbase_dir = "."\nenv_all = false\n' >fleche.toml
    fl config --json >shown.json
    assert_eq 'true ["/opt/**"] true "'"$PWD"'" false' \
        "$(jq -r '.rules[0] | "\(.trace) \(.trace_ignore | tojson) \(.key_cwd) \(.base_dir | tojson) \(.env_all)"' shown.json)"
}

run_case base_dir_shares_keys_between_checkouts case_base_dir_shares_keys_between_checkouts
run_case base_dir_relocates_outputs_beneath_cwd case_base_dir_relocates_outputs_beneath_cwd
run_case base_dir_agrees_with_digest_has_explain case_base_dir_agrees_with_digest_has_explain
run_case base_dir_leaves_other_paths_alone case_base_dir_leaves_other_paths_alone
run_case base_dir_from_config case_base_dir_from_config
run_case env_all_keys_on_ordinary_variables_only case_env_all_keys_on_ordinary_variables_only
run_case env_all_with_env_and_config case_env_all_with_env_and_config
run_case trace_options_reach_the_key case_trace_options_reach_the_key
run_case rule_key_cwd case_rule_key_cwd
run_case config_shows_the_flags case_config_shows_the_flags
finish
