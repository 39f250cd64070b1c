#!/usr/bin/env bash
# The examples in examples/ run, and a second run replays everything.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export SIMULATE_SECONDS=0.2

# A fleche that says hit or miss for every run (-v), so that the test can
# count what really ran; the examples call it as $FLECHE.
verbose_fleche() {
    mkdir -p "$AUX/bin"
    printf '#!/bin/sh\nsub=$1; shift\nexec "%s" "$sub" -v "$@"\n' "$FLECHE_BIN" >"$AUX/bin/fleche"
    chmod +x "$AUX/bin/fleche"
    echo "$AUX/bin/fleche"
}

# count WORD FILE: lines "fleche: WORD ..." in FILE.
count() {
    grep -c "^fleche: $1 " "$2" || true
}

case_makefile() {
    command -v make >/dev/null && command -v cc >/dev/null || skip "make or cc is not installed"
    cp -R "$FLECHE_SOURCE_DIR/examples/make/." .
    local fleche
    fleche=$(verbose_fleche)
    make FLECHE="$fleche" >first.out 2>first.err || fail "make failed: $(cat first.err)"
    assert_eq 6 "$(count miss first.err)" "first make: 2 compiles, 1 link, 3 simulations"
    cp -R results first-results
    cp build/model first-model
    make clean >/dev/null
    make FLECHE="$fleche" >second.out 2>second.err
    assert_eq 0 "$(count miss second.err)" "after make clean everything is replayed"
    assert_eq 6 "$(count hit second.err)"
    assert_file_eq first-results/summary.txt results/summary.txt
    make -B FLECHE="$fleche" >third.out 2>third.err
    assert_eq 0 "$(count miss third.err)" "make -B recompiles and simulates nothing"
    assert_eq 6 "$(count hit third.err)"
    assert_file_eq first-model build/model
    local f
    for f in first-results/*; do
        assert_file_eq "$f" "results/${f#first-results/}"
    done
    # A changed header (declared by the rule in fleche.toml) recompiles both objects.
    echo '/* changed */' >>src/model.h
    make FLECHE="$fleche" >fourth.out 2>fourth.err
    [[ $(count miss fourth.err) -ge 2 ]] || fail "a header change must recompile both objects: $(cat fourth.err)"
    assert_file_eq first-results/summary.txt results/summary.txt
}

case_sweep() {
    cp -R "$FLECHE_SOURCE_DIR/examples/sweep/." .
    local fleche
    fleche=$(verbose_fleche)
    FLECHE=$fleche ./sweep.sh >first.out 2>first.err
    assert_eq 4 "$(count miss first.err)"
    assert_eq 4 "$(grep -c '^simulating' first.err)" "the simulation really ran with --progress"
    FLECHE=$fleche ./sweep.sh >second.out 2>second.err
    assert_eq 0 "$(count miss second.err)" "a second sweep replays every point"
    assert_file_eq first.out second.out
    FLECHE=$fleche ./sweep.sh 0.1 0.005 >third.out 2>third.err
    assert_eq 1 "$(count miss third.err)" "only the new point is computed"
    assert_eq 1 "$(count hit third.err)"
}

run_case makefile case_makefile
run_case sweep case_sweep
finish
