#!/usr/bin/env bash
# fleche explain: a hit shows the entry; a miss names the closest entry and
# every difference, one kind per case; run -v gives the same reason.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# explain_out ARGS...: run explain (exit 1 expected: a miss), output in ex.out.
explain_miss() {
    assert_exit 1 fl explain "$@"
    cp "$AUX/last.out" ex.out
}

case_hit() {
    make_counted sim 'echo result'
    fl run -- ./sim --dt=0.1 >/dev/null
    local key
    key=$(fl digest -- ./sim --dt=0.1)
    assert_exit 0 fl explain -- ./sim --dt=0.1
    assert_eq "hit ${key:0:8}: run would replay this entry" "$(head -1 "$AUX/last.out")"
    assert_file_has_line "$AUX/last.out" "key            $key"
    assert_runs sim 1 "explain never runs CMD"
}

case_argv() {
    make_counted sim 'echo result'
    fl run -- ./sim --steps=3 x --dt=0.1 >/dev/null
    local old new
    old=$(fl digest -- ./sim --steps=3 x --dt=0.1)
    new=$(fl digest -- ./sim --steps=3 x --dt=0.05)
    explain_miss -- ./sim --steps=3 x --dt=0.05
    assert_eq "miss ${new:0:8}: nothing stored under this key" "$(sed -n 1p ex.out)"
    assert_eq "closest stored entry: ${old:0:8} (sim, " "$(sed -n 2p ex.out | cut -d' ' -f1-5) "
    assert_eq '  argv[3]: "--dt=0.1" -> "--dt=0.05"' "$(sed -n 3p ex.out)"
    assert_eq 3 "$(wc -l <ex.out)" "exactly one difference"
    fl run -v -- ./sim --steps=3 x --dt=0.05 >/dev/null 2>v.err
    assert_file_has_line v.err "fleche: miss ${new:0:8}: argv[3]: \"--dt=0.1\" -> \"--dt=0.05\" (compared with ${old:0:8})"
    explain_miss -- ./sim --steps=3 x
    # Both stored entries differ by one argument; the newest wins.
    assert_file_has_line ex.out '  argv[3]: removed "--dt=0.05"'
}

case_env() {
    make_counted sim 'echo result'
    OMP_NUM_THREADS=4 fl run -e OMP_NUM_THREADS -- ./sim >/dev/null
    OMP_NUM_THREADS=8 explain_miss -e OMP_NUM_THREADS -- ./sim
    assert_eq '  env OMP_NUM_THREADS: "4" -> "8"' "$(sed -n 3p ex.out)"
    explain_miss -e OMP_NUM_THREADS -- ./sim
    assert_eq '  env OMP_NUM_THREADS: "4" -> unset' "$(sed -n 3p ex.out)"
    explain_miss -- ./sim
    assert_eq '  env OMP_NUM_THREADS: no longer in the key (was "4")' "$(sed -n 3p ex.out)"
}

case_input_content() {
    make_counted sim 'echo result'
    mkdir data
    echo v1 >data/mesh.vtk
    fl run -i data/mesh.vtk -- ./sim >/dev/null
    echo v2 >data/mesh.vtk
    explain_miss -i data/mesh.vtk -- ./sim
    assert_eq '  input data/mesh.vtk: content changed' "$(sed -n 3p ex.out)"
    assert_eq 3 "$(wc -l <ex.out)"
    fl run -v -i data/mesh.vtk -- ./sim >/dev/null 2>v.err
    assert_contains "$(cat v.err)" ": input data/mesh.vtk: content changed (compared with "
}

case_input_appeared_and_vanished() {
    make_counted sim 'echo result'
    echo a >present
    fl run -i present -i later -- ./sim >/dev/null 2>&1
    rm present
    echo b >later
    explain_miss -i present -i later -- ./sim
    assert_file_has_line ex.out '  input later: appeared'
    assert_file_has_line ex.out '  input present: vanished'
    explain_miss -i present -i later -i new -- ./sim
    assert_file_has_line ex.out '  input new: newly declared'
}

case_tool() {
    make_counted sim 'echo result'
    fl run -- ./sim >/dev/null
    echo '# rebuilt' >>sim
    explain_miss -- ./sim
    assert_eq "  tool ./sim: executable changed" "$(sed -n 3p ex.out)"
}

case_salt_and_outputs() {
    make_counted sim 'echo result >o'
    fl run --salt v1 -- ./sim >/dev/null
    explain_miss --salt v2 -o o -- ./sim
    assert_eq '  salt: "v1" -> "v2"' "$(sed -n 3p ex.out)"
    assert_eq '  output o: newly declared' "$(sed -n 4p ex.out)"
}

case_closest_prefers_same_name_and_shape() {
    make_counted sim 'echo result'
    fl run --name a -- ./sim 1 2 3 >/dev/null
    fl run --name b -- ./sim 1 2 9 >/dev/null
    fl run --name b -- ./sim 1 >/dev/null
    local want
    want=$(fl digest -- ./sim 1 2 9)
    explain_miss --name b -- ./sim 1 2 8
    assert_contains "$(sed -n 2p ex.out)" "closest stored entry: ${want:0:8} (b, "
    assert_eq '  argv[3]: "9" -> "8"' "$(sed -n 3p ex.out)"
}

case_nothing_to_compare() {
    make_counted sim 'echo result'
    explain_miss -- ./sim
    assert_eq "no stored entry of sim or of ./sim to compare with" "$(sed -n 2p ex.out)"
    fl run -v -- ./sim >/dev/null 2>v.err
    assert_contains "$(cat v.err)" ": nothing stored for sim yet"
}

case_unusable_entries() {
    make_counted sim 'exit 2'
    fl run --cache-failures -- ./sim || true
    explain_miss -- ./sim
    assert_contains "$(sed -n 1p ex.out)" ": the stored run exited with 2 (replayed only with --cache-failures)"
    assert_exit 0 fl explain --cache-failures -- ./sim
    explain_miss --cache-failures --ttl 0s -- ./sim
    assert_contains "$(sed -n 1p ex.out)" " old, older than --ttl 0.0ms"
}

# explain computes the key with the configuration, as run does.
case_configured_rule() {
    make_counted sim 'echo result'
    echo 1 >params
    printf 'root = true\n[[rule]]\nmatch = ["sim"]\ninputs = ["params"]\n' >fleche.toml
    fl run -- ./sim >/dev/null
    assert_exit 0 fl explain -- ./sim
    echo 2 >params
    explain_miss -- ./sim
    assert_eq '  input params: content changed' "$(sed -n 3p ex.out)"
    printf 'require_env = ["SIM_LICENSE"]\n' >>fleche.toml
    echo 1 >params
    explain_miss -- ./sim
    assert_file_content ex.out \
        $'miss: run would neither look up nor store (--no-store, or a rule\'s require_env is unset)\n'
    SIM_LICENSE=x assert_exit 0 fl explain -- ./sim
}

run_case hit case_hit
run_case argv case_argv
run_case env case_env
run_case input_content case_input_content
run_case input_appeared_and_vanished case_input_appeared_and_vanished
run_case tool case_tool
run_case salt_and_outputs case_salt_and_outputs
run_case closest_prefers_same_name_and_shape case_closest_prefers_same_name_and_shape
run_case nothing_to_compare case_nothing_to_compare
run_case unusable_entries case_unusable_entries
run_case configured_rule case_configured_rule
finish
