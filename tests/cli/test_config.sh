#!/usr/bin/env bash
# fleche.toml: rules, errors, tool identity modes; fleche config; fleche help.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case_rule_adds_inputs_relative_to_its_file() {
    printf 'root = true\n[[rule]]\nmatch = ["t*l"]\ninputs = ["data.txt"]\n' >fleche.toml
    mkdir sub
    make_counted sub/tool 'cat ../data.txt'
    echo one >data.txt
    cd sub
    capture r1 fl run -- ./tool
    capture r2 fl run -- ./tool
    assert_eq "one" "$(cat r2.out)"
    assert_runs sub/tool 1 "a second run with the same data is a hit"
    echo two >../data.txt
    capture r3 fl run -- ./tool
    assert_eq "two" "$(cat r3.out)"
    assert_runs sub/tool 2 "the rule's input is in the key"
    # The rule's input enters the key as a path relative to cwd, like -i ../data.txt.
    assert_eq "$(fl digest -- ./tool)" "$(fl digest -i ../data.txt -- ./tool)"
    assert_ne "$(fl digest -- ./tool)" "$(fl digest -i ../data.txt -- ./other 2>/dev/null || echo x)"
}

case_rule_ignore_args_leave_the_key_but_reach_cmd() {
    printf 'root = true\n[[rule]]\nmatch = ["tool"]\nignore_args = ["--progress*"]\n' >fleche.toml
    make_counted tool 'echo "args: $*"'
    capture r1 fl run -- ./tool --progress=1 x
    assert_eq "args: --progress=1 x" "$(cat r1.out)" "CMD gets the ignored argument"
    capture r2 fl run -- ./tool --progress=2 x
    assert_eq "args: --progress=1 x" "$(cat r2.out)" "a hit replays the first run"
    assert_runs tool 1
    capture r3 fl run -- ./tool --progress=2 y
    assert_runs tool 2 "other arguments still count"
}

case_rule_require_env_runs_uncached() {
    printf 'root = true\n[[rule]]\nmatch = ["tool"]\nrequire_env = ["LICENSE_FILE"]\n' >fleche.toml
    make_counted tool 'echo licensed'
    capture r1 env -u LICENSE_FILE "$FLECHE_BIN" run -- ./tool
    assert_eq 0 "$RC"
    assert_eq "licensed" "$(cat r1.out)"
    assert_file_has_line r1.err "fleche: warning: LICENSE_FILE is not set (required by the rule at $PWD/fleche.toml:2); running without the cache"
    capture r2 env -u LICENSE_FILE "$FLECHE_BIN" run -- ./tool
    assert_runs tool 2 "nothing was stored"
    assert_exit 1 env LICENSE_FILE=x "$FLECHE_BIN" has -- ./tool
    LICENSE_FILE=x fl run -- ./tool >/dev/null
    LICENSE_FILE=x fl run -- ./tool >/dev/null
    assert_runs tool 3 "with the variable set, the run is stored"
}

case_rule_scalars_yield_to_flags_and_lists_add() {
    printf 'root = true\n[run]\nenv = ["A"]\n[[rule]]\nmatch = ["tool"]\nsalt = "s1"\nenv = ["B"]\n' >fleche.toml
    make_counted tool 'echo hi'
    rm fleche.toml
    local plain
    plain=$(fl digest --salt s1 -e A -e B -- ./tool)
    printf 'root = true\n[run]\nenv = ["A"]\n[[rule]]\nmatch = ["tool"]\nsalt = "s1"\nenv = ["B"]\n' >fleche.toml
    assert_eq "$plain" "$(fl digest -- ./tool)" "config gives the same key as the flags"
    assert_eq "$(fl digest --salt s2 -- ./tool)" "$(rm fleche.toml && fl digest --salt s2 -e A -e B -- ./tool)" \
        "--salt overrides the rule's salt"
}

case_bad_config_runs_nothing_and_writes_nothing() {
    make_counted tool 'echo hi'
    printf 'root = true\n[store]\nmax_size = 10G\n' >fleche.toml
    capture r fl run -- ./tool
    assert_eq 125 "$RC"
    assert_contains "$(cat r.err)" "fleche: $PWD/fleche.toml:3:"
    assert_runs tool 0
    [[ ! -e "$FLECHE_DIR" ]] || fail "the store was created"
    printf 'root = true\n[run]\ncache_failures = 1\n' >fleche.toml
    capture r fl run -- ./tool
    assert_eq 125 "$RC"
    assert_file_has_line r.err "fleche: $PWD/fleche.toml:3:18: run.cache_failures takes true or false, not an integer"
    printf 'root = true\n[rule]\nmatch = "x"\n' >fleche.toml
    capture r fl digest -- ./tool
    assert_eq 125 "$RC"
    assert_file_has_line r.err "fleche: $PWD/fleche.toml:2:2: unknown key 'rule'; allowed at the top: root, [store], [run], [remote], [[rule]]"
    assert_runs tool 0
    [[ ! -e "$FLECHE_DIR" ]] || fail "the store was created"
}

case_config_prints_values_and_sources() {
    printf 'root = true\n[store]\nmax_size = "2G"\n[run]\nenv = ["LANG"]\n' >fleche.toml
    capture c env FLECHE_MAX_AGE=7d "$FLECHE_BIN" config --cache-failures
    assert_eq 0 "$RC"
    assert_file_contains c.out 'store.max_size = "2G"'
    assert_file_contains c.out "# $PWD/fleche.toml:3"
    assert_file_contains c.out "store.max_age = \"7d\""
    assert_file_contains c.out "# FLECHE_MAX_AGE"
    assert_file_contains c.out "store.dir = \"$FLECHE_DIR\""
    assert_file_contains c.out "# FLECHE_DIR"
    assert_file_contains c.out "run.cache_failures = true"
    assert_file_contains c.out "# flag --cache-failures"
    assert_file_contains c.out "run.tool = \"content\""
    assert_file_has_line c.out "#   $PWD/fleche.toml"
    [[ $(grep -c $'\e' c.out) -eq 0 ]] || fail "colour in output that is not a terminal"
    capture j env FLECHE_MAX_SIZE=1K "$FLECHE_BIN" config --json -e X
    assert_eq 0 "$RC"
    assert_eq 1024 "$(jq .settings.store.max_size.value j.out)"
    assert_eq '"FLECHE_MAX_SIZE"' "$(jq .settings.store.max_size.source j.out)"
    assert_eq '["LANG","X"]' "$(jq -c .settings.run.env.value j.out)"
    assert_eq "\"$PWD/fleche.toml:5 + flag --env\"" "$(jq .settings.run.env.source j.out)"
    assert_eq 'false' "$(jq .settings.run.readonly.value j.out)"
}

case_config_shows_the_rules_that_apply() {
    printf 'root = true\n[[rule]]\nmatch = ["gcc"]\nsalt = "g"\n[[rule]]\nmatch = ["sim*"]\nsalt = "s"\n' >fleche.toml
    capture all fl config --json
    assert_eq 2 "$(jq '.rules | length' all.out)"
    capture one fl config --json -- simulate --fast
    assert_eq '[{"source":"'"$PWD"'/fleche.toml:5","match":["sim*"],"name":[],"inputs":[],"outputs":[],"env":[],"salt":"s","tool":null,"ignore_args":[],"require_env":[],"key_cwd":null,"trace":null,"trace_ignore":[],"base_dir":null,"env_all":null}]' \
        "$(jq -c .rules one.out)"
    capture t fl config -- gcc
    assert_file_has_line t.out 'salt = "g"'
    assert_file_contains t.out "[[rule]] # $PWD/fleche.toml:2"
    assert_not_contains "$(cat t.out)" 'salt = "s"'
}

case_colour_only_on_a_terminal_and_not_with_no_color() {
    printf 'root = true\n' >fleche.toml
    TERM=xterm script -qec "$FLECHE_BIN config" /dev/null >tty.out
    grep -q $'\e\\[2m' tty.out || fail "no colour on a terminal: $(head -3 tty.out)"
    TERM=xterm NO_COLOR=1 script -qec "$FLECHE_BIN config" /dev/null >plain.out
    [[ $(grep -c $'\e' plain.out) -eq 0 ]] || fail "colour despite NO_COLOR"
}

case_tool_string_mode_ignores_the_executable() {
    printf 'root = true\n[run]\ntool = "string:v1"\n' >fleche.toml
    make_counted tool 'echo hi'
    fl run -- ./tool >/dev/null
    echo '# rebuilt' >>tool
    fl run -- ./tool >/dev/null
    assert_runs tool 1 "string mode: a changed executable is still a hit"
    printf 'root = true\n[run]\ntool = "content"\n' >fleche.toml
    fl run -- ./tool >/dev/null
    assert_runs tool 2 "content mode: a changed executable is a miss"
    printf 'root = true\n[run]\ntool = "string:v2"\n' >fleche.toml
    fl run -- ./tool >/dev/null
    assert_runs tool 3 "another string is another key"
}

case_tool_mtime_mode_follows_mtime_and_size() {
    printf 'root = true\n[run]\ntool = "mtime"\n' >fleche.toml
    make_counted tool 'echo hi'
    touch -d '2020-01-01 00:00:00' tool
    local k1 k2 k3
    k1=$(fl digest -- ./tool)
    sed -i 's/hi/ho/' tool
    touch -d '2020-01-01 00:00:00' tool
    k2=$(fl digest -- ./tool)
    assert_eq "$k1" "$k2" "same mtime and size: same key (content is not read)"
    touch tool
    k3=$(fl digest -- ./tool)
    assert_ne "$k1" "$k3" "a new mtime is a new key"
    assert_ne "$k3" "$(rm fleche.toml && fl digest -- ./tool)" "mtime and content modes differ"
}

case_tool_version_mode_runs_the_version_command() {
    printf 'root = true\n[[rule]]\nmatch = ["tool"]\ntool = "version:cat %s/VERSION"\n' "$PWD" >fleche.toml
    make_counted tool 'echo hi'
    echo 1.0 >VERSION
    fl run -- ./tool >/dev/null
    echo '# rebuilt' >>tool
    fl run -- ./tool >/dev/null
    assert_runs tool 1 "same version output: a hit"
    echo 1.1 >VERSION
    fl run -- ./tool >/dev/null
    assert_runs tool 2 "new version output: a miss"
    rm VERSION
    capture r fl run -- ./tool
    assert_eq 125 "$RC" "a failing version command is an error"
    assert_contains "$(cat r.err)" "fleche: the tool's version command 'cat $PWD/VERSION' failed"
    assert_runs tool 2
}

case_list_keys_take_one_string() {
    printf 'root = true\n[run]\nenv = "MYVAR"\n[[rule]]\nmatch = "tool"\ninputs = "in.txt"\n' >fleche.toml
    make_counted tool 'echo hi'
    echo 1 >in.txt
    MYVAR=a fl run -- ./tool >/dev/null
    MYVAR=a fl run -- ./tool >/dev/null
    assert_runs tool 1 "a hit"
    echo 2 >in.txt
    MYVAR=a fl run -- ./tool >/dev/null
    assert_runs tool 2 "inputs = \"in.txt\" is in the key"
    MYVAR=b fl run -- ./tool >/dev/null
    assert_runs tool 3 "env = \"MYVAR\" is in the key"
    capture j fl config --json -- ./tool
    assert_eq '["MYVAR"]' "$(jq -c .settings.run.env.value j.out)"
    assert_eq '["tool"]' "$(jq -c '.rules[0].match' j.out)"
    assert_eq "[\"$PWD/in.txt\"]" "$(jq -c '.rules[0].inputs' j.out)"
}

case_help_subcommand_and_version() {
    capture a fl help run
    capture b fl run --help
    assert_eq 0 "$RC"
    assert_file_eq b.out a.out "fleche help run prints fleche run --help"
    capture c fl help
    capture c2 fl --help
    assert_file_eq c2.out c.out "fleche help prints fleche --help"
    assert_file_contains c.out "config"
    capture d fl help nosuch
    assert_eq 125 "$RC"
    assert_file_has_line d.err "fleche: no subcommand 'nosuch'; see fleche --help for the list"
    capture v fl --version
    assert_file_content v.out "fleche 0.1.0
"
}

run_case rule_adds_inputs_relative_to_its_file case_rule_adds_inputs_relative_to_its_file
run_case rule_ignore_args_leave_the_key_but_reach_cmd case_rule_ignore_args_leave_the_key_but_reach_cmd
run_case rule_require_env_runs_uncached case_rule_require_env_runs_uncached
run_case rule_scalars_yield_to_flags_and_lists_add case_rule_scalars_yield_to_flags_and_lists_add
run_case bad_config_runs_nothing_and_writes_nothing case_bad_config_runs_nothing_and_writes_nothing
run_case config_prints_values_and_sources case_config_prints_values_and_sources
run_case config_shows_the_rules_that_apply case_config_shows_the_rules_that_apply
run_case colour_only_on_a_terminal_and_not_with_no_color case_colour_only_on_a_terminal_and_not_with_no_color
run_case tool_string_mode_ignores_the_executable case_tool_string_mode_ignores_the_executable
run_case tool_mtime_mode_follows_mtime_and_size case_tool_mtime_mode_follows_mtime_and_size
run_case tool_version_mode_runs_the_version_command case_tool_version_mode_runs_the_version_command
run_case list_keys_take_one_string case_list_keys_take_one_string
run_case help_subcommand_and_version case_help_subcommand_and_version
finish
