#!/usr/bin/env bash
# --trace on real builds: the C project in trace_project/ built through make
# (and CMake) with CC="fleche run --trace -- gcc" and nothing declared, and
# the programs a tracer must not disturb (static binaries, strace, ASan/LSan,
# a traced fleche inside a traced fleche, a daemon left behind).
PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/trace_project
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

OBJECTS=(area dot fib gcd hash length main perimeter power prime sort sum upper words)
ALL_OBJECTS="${OBJECTS[*]/%/.o}"

# The program's output with the project as shipped.
APP_OUTPUT='version 1.0
scale 3 sides 4
area 27 perimeter 12
dot 32 sum 6
gcd 12 fib 6765 prime 25 pow 1024
sorted 1359 hash 85963
text 5 3 FLECHE'

# `fleche` on PATH, as the README's commands name it.
use_fleche_on_path() {
    mkdir -p "$AUX/bin"
    ln -sf "$FLECHE_BIN" "$AUX/bin/fleche"
    export PATH=$AUX/bin:$PATH
}

checkout() {
    cp -R "$PROJECT" "$1"
}

# build DIR LOG [MAKE ARGS...]: a clean build of checkout DIR, each compile
# and the link through `fleche run -v --trace`; make's output and fleche's
# lines in LOG.
build() {
    local dir=$1 log=$2
    shift 2
    make -C "$dir" --no-print-directory clean >/dev/null
    timeout -k 5 300 make -C "$dir" --no-print-directory \
        CC="${TRACED_CC:-fleche run -v --trace -- gcc}" "$@" >"$log" 2>&1 ||
        fail "make in $dir failed: $(tail -n 20 "$log")"
    if grep -q '^fleche: warning' "$log"; then
        fail "fleche warned during the build: $(grep '^fleche: warning' "$log")"
    fi
}

# verdicts LOG: "hit NAME" or "miss NAME" per command of a make log, NAME
# being the file the command writes (-o), from the command line make echoes
# before running it. A command with no verdict or two fails the case.
verdicts() {
    awk '
        /^fleche: (hit|miss)[ :]/ {
            v = $2; sub(/:$/, "", v)
            if (target == "") { print "orphan-" v; next }
            print v " " target; target = ""; next
        }
        /^fleche: / { next }
        / -o [^ ]/ {
            if (target != "") print "none " target
            for (i = 1; i < NF; i++) if ($i == "-o") t = $(i + 1)
            sub(/^.*\//, "", t); target = t
        }
        END { if (target != "") print "none " target }
    ' "$1" | sort -k2
}

# assert_missed LOG EXPECTED [MSG]: the files whose command missed, sorted,
# on one line, are EXPECTED; each of the 15 commands (14 compiles, the link)
# had exactly one verdict.
assert_missed() {
    local v got
    v=$(verdicts "$1")
    assert_eq 15 "$(grep -cE '^(hit|miss) ' <<<"$v")" "commands with a verdict in $1: $v"
    assert_eq 15 "$(wc -l <<<"$v" | tr -d ' ')" "one verdict per command in $1: $v"
    got=$(grep '^miss ' <<<"$v" | awk '{print $2}' | sort | tr '\n' ' ' | sed 's/ $//' || true)
    assert_eq "$2" "$got" "${3:-missed commands} ($1)"
}

# miss_reason LOG NAME: fleche's miss line for the command writing NAME.
miss_reason() {
    awk -v want="$2" '
        / -o [^ ]/ && !/^fleche: / { for (i = 1; i < NF; i++) if ($i == "-o") t = $(i + 1); sub(/^.*\//, "", t) }
        /^fleche: miss/ && t == want { print; exit }
    ' "$1"
}

# save_build DIR COPY: keep the objects and the binary of a build.
save_build() {
    mkdir -p "$2"
    cp "$1"/obj/*.o "$1/app" "$2/"
}

# same_build DIR COPY: every object and the binary byte-identical.
same_build() {
    local o
    for o in "${OBJECTS[@]}"; do
        assert_file_eq "$2/$o.o" "$1/obj/$o.o" "object $o.o"
    done
    assert_file_eq "$2/app" "$1/app" "the linked binary"
}

# with_sides N: APP_OUTPUT for SHAPE_SIDES N.
with_sides() {
    local out=${APP_OUTPUT/sides 4/sides $1}
    printf '%s' "${out/perimeter 12/perimeter $((3 * $1))}"
}

assert_app_output() {
    local dir=$1 want=$2
    [[ -x $dir/app ]] || fail "$dir/app is not an executable file"
    "$dir/app" >"$AUX/app.out"
    assert_file_content "$AUX/app.out" "$want"$'\n' "output of $dir/app"
}

case_clean_rebuild_hits() {
    use_fleche_on_path
    checkout p
    build p b1.log
    assert_missed b1.log "app $ALL_OBJECTS" "first build: everything runs"
    assert_app_output p "$APP_OUTPUT"
    save_build p first
    build p b2.log
    assert_missed b2.log "" "after make clean: every object and the link hit"
    same_build p first
    assert_app_output p "$APP_OUTPUT"
    assert_eq 15 "$(fl stats | awk '$1 == "hits" {print $2}')" "hits counted by stats"
    assert_eq 15 "$(fl stats | awk '$1 == "misses" {print $2}')" "misses counted by stats"
}

case_header_edit_recompiles_includers() {
    use_fleche_on_path
    checkout p
    build p b1.log
    save_build p first
    # area.c, perimeter.c and main.c include shape.h.
    sed -i 's/#define SHAPE_SIDES 4/#define SHAPE_SIDES 5/' p/include_b/shape.h
    build p b2.log
    assert_missed b2.log "app area.o main.o perimeter.o" "objects including shape.h"
    assert_contains "$(miss_reason b2.log perimeter.o)" "input include_b/shape.h: content changed" \
        "-v names the edited header"
    assert_app_output p "$(with_sides 5)"
    # include_a/common.h shadows it: gcc never opens include_b/common.h.
    sed -i 's/COMMON_SCALE 100/COMMON_SCALE 200/' p/include_b/common.h
    build p b3.log
    assert_missed b3.log "" "a header that no compile read"
    # The generated header: only main.c includes version.h.
    echo 2.0 >p/VERSION
    build p b4.log
    assert_missed b4.log "app main.o" "objects including the generated header"
    assert_eq '#define APP_VERSION "2.0"' "$(cat p/gen/version.h)" "generated header"
    assert_contains "$(miss_reason b4.log main.o)" "input gen/version.h: content changed"
    local out
    out=$(with_sides 5)
    assert_app_output p "${out/version 1.0/version 2.0}"
    # Every edit undone: the first build's entries again.
    echo 1.0 >p/VERSION
    sed -i 's/#define SHAPE_SIDES 5/#define SHAPE_SIDES 4/' p/include_b/shape.h
    build p b5.log
    assert_missed b5.log "" "the project as first built"
    same_build p first
}

case_shadowing_header_misses() {
    use_fleche_on_path
    checkout p
    build p b1.log
    save_build p first
    # Earlier on the include path than include_b/shape.h: gcc looked for it
    # there, found nothing, and went on. Its appearing must miss.
    sed 's/#define SHAPE_SIDES 4/#define SHAPE_SIDES 6/' p/include_b/shape.h >p/include_a/shape.h
    build p b2.log
    assert_missed b2.log "app area.o main.o perimeter.o" "objects including shape.h"
    assert_contains "$(miss_reason b2.log area.o)" "input include_a/shape.h: appeared"
    assert_app_output p "$(with_sides 6)"
    save_build p shadowed
    rm p/include_a/shape.h
    build p b3.log
    assert_missed b3.log "" "the shadowing header removed: the first path sets match again"
    same_build p first
    assert_app_output p "$APP_OUTPUT"
    # Both path sets stay under their first keys.
    sed 's/#define SHAPE_SIDES 4/#define SHAPE_SIDES 6/' p/include_b/shape.h >p/include_a/shape.h
    build p b4.log
    assert_missed b4.log "" "the shadowing header back: the second path sets match"
    same_build p shadowed
}

case_listed_directory() {
    mkdir src
    echo a >src/a.c
    echo b >src/b.c
    capture r1 fl run -v --trace -- sh -c 'ls src >list.txt'
    assert_eq 0 "$RC" "exit code"
    assert_file_content list.txt $'a.c\nb.c\n'
    rm list.txt
    capture r2 fl run -v --trace -- sh -c 'ls src >list.txt'
    assert_contains "$(fleche_lines r2.err)" "fleche: hit" "nothing changed"
    assert_file_content list.txt $'a.c\nb.c\n' "list.txt restored as an output"
    echo c >src/c.c
    capture r3 fl run -v --trace -- sh -c 'ls src >list.txt'
    assert_contains "$(fleche_lines r3.err)" "fleche: miss" "a file added to the listed directory"
    assert_contains "$(fleche_lines r3.err)" "src: listing changed"
    assert_file_content list.txt $'a.c\nb.c\nc.c\n'
    rm src/a.c
    capture r4 fl run -v --trace -- sh -c 'ls src >list.txt'
    assert_contains "$(fleche_lines r4.err)" "fleche: miss" "a file removed from the listed directory"
    assert_file_content list.txt $'b.c\nc.c\n'
}

case_second_checkout_relative_paths() {
    use_fleche_on_path
    checkout one
    checkout two
    checkout ref
    build one b1.log
    # Paths beneath the working directory are keyed relative: no --base-dir
    # is needed when the command lines are relative.
    build two b2.log
    assert_missed b2.log "" "second checkout, relative -I"
    # gcc without -g writes no path into an object: the replayed objects are
    # what gcc itself gives in that checkout.
    make -C ref --no-print-directory CC=gcc >/dev/null
    save_build ref plain
    same_build two plain
    assert_app_output two "$APP_OUTPUT"
}

case_second_checkout_absolute_paths() {
    use_fleche_on_path
    checkout one
    checkout two
    checkout ref
    make -C ref --no-print-directory CC=gcc ABSOLUTE=1 >/dev/null
    save_build ref plain
    # Without --base-dir, -I/.../one/include_a and -I/.../two/include_a are
    # different command lines; the link's is the same in both.
    build one a1.log ABSOLUTE=1
    build two a2.log ABSOLUTE=1
    assert_missed a2.log "$ALL_OBJECTS" "absolute -I without --base-dir: every compile misses"
    # With it (the checkouts' parent, the same for both), every command hits.
    export FLECHE_DIR=$FLECHE_DIR.base-dir
    local cc="fleche run -v --trace --base-dir $PWD -- gcc"
    TRACED_CC=$cc build one b1.log ABSOLUTE=1
    TRACED_CC=$cc build two b2.log ABSOLUTE=1
    assert_missed b2.log "" "absolute -I with --base-dir: a second checkout hits"
    same_build two plain
    same_build one plain
    assert_app_output two "$APP_OUTPUT"
}

case_static_binary_reads_traced() {
    [[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] ||
        skip "static libc is not installed (/usr/lib/x86_64-linux-gnu/libc.a, package libc6-dev)"
    cat >reader.c <<'C'
#include <stdio.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "r");
    int c;
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    while ((c = getc(f)) != EOF)
        putchar(c);
    return 0;
}
C
    gcc -static -O1 -o reader reader.c
    if readelf -l reader | grep -q INTERP; then
        fail "fixture: reader is not static"
    fi
    echo one >data.txt
    capture r1 fl run -v --trace -- ./reader data.txt
    assert_eq 0 "$RC"
    assert_file_content r1.out $'one\n'
    capture r2 fl run -v --trace -- ./reader data.txt
    assert_contains "$(fleche_lines r2.err)" "fleche: hit"
    assert_file_content r2.out $'one\n'
    echo two >data.txt
    capture r3 fl run -v --trace -- ./reader data.txt
    assert_contains "$(fleche_lines r3.err)" "fleche: miss" "the file the static binary read changed"
    assert_contains "$(fleche_lines r3.err)" "input data.txt: content changed"
    assert_file_content r3.out $'two\n'
}

# strace_lines FILE: strace's lines of FILE without what differs between
# runs (pids, addresses, the number of environment variables, times).
strace_lines() {
    strip_fleche "$1" | sed -E 's/^\[pid +[0-9]+\] //; s/0x[0-9a-f]+/ADDR/g; s|/\* [0-9]+ vars \*/|VARS|
        s/si_(pid|utime|stime)=[0-9]+/si_\1=N/g'
}

case_strace_under_trace() {
    command -v strace >/dev/null || skip "strace is not installed (scripts/setup.sh installs it)"
    capture plain strace -f true
    assert_eq 0 "$RC" "fixture: strace works here: $(tail -n 3 plain.err)"
    capture r1 fl run --trace -- strace -f true
    assert_eq 0 "$RC" "strace -f true under --trace: $(tail -n 5 r1.err)"
    assert_eq "" "$(fleche_lines r1.err)" "no word from fleche"
    assert_eq "$(strace_lines plain.err | head -n 1)" "$(strace_lines r1.err | head -n 1)" \
        "strace's first line (the execve of true)"
    assert_eq "+++ exited with 0 +++" "$(tail -n 1 r1.err)"
    # A child followed (-f) sees the same calls as without the trace.
    capture plain2 strace -f -qq -e trace=execve,exit_group sh -c '/bin/true; echo hi'
    capture r2 fl run --trace -- strace -f -qq -e trace=execve,exit_group sh -c '/bin/true; echo hi'
    assert_eq 0 "$RC"
    assert_file_content r2.out $'hi\n'
    strace_lines plain2.err >want
    strace_lines r2.err >got
    assert_file_eq want got "strace's view of sh and /bin/true, traced and not"
    assert_file_contains got 'execve("/bin/true", ["/bin/true"], ADDR VARS) = 0'
}

case_asan_lsan_under_trace() {
    cat >leak.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void *kept;
int main(int argc, char **argv) {
    char *buf = malloc(64);
    strcpy(buf, argc > 1 ? argv[1] : "none");
    printf("arg %s\n", buf);
    fflush(stdout); /* LSan ends the process without flushing stdio */
    free(buf);
    kept = malloc(100);
    kept = NULL; /* a leak for LeakSanitizer to report */
    return 0;
}
C
    gcc -fsanitize=address -g0 -O0 -o leak leak.c
    # Its own report on its stderr, not in the log files that the sanitizer
    # build of fleche itself reports to (scripts/test.sh's ASAN_OPTIONS).
    LEAK_ENV=(env ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=)
    capture plain "${LEAK_ENV[@]}" ./leak x
    [[ $RC -ne 0 ]] && grep -q 'ERROR: LeakSanitizer: detected memory leaks' plain.err ||
        skip "LeakSanitizer does not work here even untraced (exit $RC): $(tail -n 3 plain.err)"
    capture r1 fl run --trace -- "${LEAK_ENV[@]}" ./leak x
    assert_eq "$(cat plain.rc)" "$RC" "exit code as untraced"
    assert_file_content r1.out $'arg x\n'
    assert_eq "" "$(fleche_lines r1.err)" "no word from fleche"
    assert_file_contains r1.err 'ERROR: LeakSanitizer: detected memory leaks'
    assert_eq "$(grep '^SUMMARY' plain.err)" "$(grep '^SUMMARY' r1.err)" "LeakSanitizer's summary"
    assert_file_has_line r1.err 'SUMMARY: AddressSanitizer: 100 byte(s) leaked in 1 allocation(s).'
    # Without a leak: exit 0, stdout alone.
    sed -i 's/kept = NULL;.*//' leak.c
    gcc -fsanitize=address -g0 -O0 -o leak leak.c
    capture r2 fl run --trace -- "${LEAK_ENV[@]}" ./leak y
    assert_eq 0 "$RC"
    assert_file_content r2.out $'arg y\n'
    assert_file_content r2.err ''
}

case_nested_trace_falls_back() {
    echo 'the content' >f
    capture r1 fl run --trace -- "$FLECHE_BIN" run --trace -- cat f
    assert_eq 0 "$RC"
    assert_file_content r1.out $'the content\n'
    assert_eq 1 "$(grep -c '^fleche: warning: --trace unavailable (.*)' r1.err || true)" \
        "one warning from the inner fleche: $(cat r1.err)"
    assert_eq 1 "$(wc -l <r1.err | tr -d ' ')" "nothing else on stderr: $(cat r1.err)"
    capture r2 fl run --trace -- "$FLECHE_BIN" run --trace -- sh -c 'cat f; exit 3'
    assert_eq 3 "$RC" "the inner command's exit code through both"
    assert_file_content r2.out $'the content\n'
}

case_daemon_not_stored() {
    # The daemon waits for `go`, which appears only after fleche returned:
    # its stat and open calls come after CMD's end, and must keep working.
    local cmd='(n=0; while [ ! -e go ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done
echo late >daemon.out) </dev/null >/dev/null 2>&1 &
echo hi'
    capture r1 fl run -v --trace -- sh -c "$cmd"
    assert_eq 0 "$RC"
    assert_file_content r1.out $'hi\n'
    [[ ! -e daemon.out ]] || fail "fixture: the daemon ended before fleche did"
    touch go
    wait_for_file daemon.out 30
    # Written then closed: wait until the daemon is gone.
    local n=200
    until [[ -s daemon.out ]]; do
        n=$((n - 1))
        [[ $n -gt 0 ]] || fail "daemon.out stays empty"
        sleep 0.05
    done
    assert_file_content daemon.out $'late\n' "the daemon's write after CMD's end"
    assert_eq 0 "$(entry_file_count)" "a run that left a process behind is not stored"
    rm daemon.out go
    capture r2 fl run -v --trace -- sh -c "$cmd"
    assert_file_content r2.out $'hi\n'
    assert_contains "$(fleche_lines r2.err)" "fleche: miss" "the next run runs again"
    touch go
    wait_for_file daemon.out 30
    assert_eq 0 "$(entry_file_count)"
}

case_documented_make_form() {
    use_fleche_on_path
    checkout p
    make -C p --no-print-directory CC="fleche run --trace -- gcc" >b1.log 2>&1
    assert_eq "" "$(fleche_lines b1.log)" "fleche says nothing without -v"
    make -C p --no-print-directory clean >/dev/null
    make -C p --no-print-directory CC="fleche run --trace -- gcc" >b2.log 2>&1
    assert_eq 15 "$(fl stats | awk '$1 == "hits" {print $2}')" "the second build hits all 15 commands"
    assert_eq 15 "$(fl stats | awk '$1 == "misses" {print $2}')"
    assert_app_output p "$APP_OUTPUT"
}

# cmake_build DIR: configure and build checkout DIR in DIR/build, each
# compile through the launcher; the verdicts in DIR.log.
# cmake_build DIR [CMAKE ARGS...]
cmake_build() {
    local dir=$1
    shift
    cmake -S "$dir" -B "$dir/build" -DCMAKE_C_COMPILER=gcc \
        -DCMAKE_C_COMPILER_LAUNCHER="fleche;run;-v;--trace;--" "$@" >"$dir.configure.log" 2>&1 ||
        fail "cmake configure failed: $(tail -n 20 "$dir.configure.log")"
    timeout -k 5 300 cmake --build "$dir/build" >"$dir.log" 2>&1 ||
        fail "cmake build failed: $(tail -n 20 "$dir.log")"
}

case_cmake_launcher_second_checkout() {
    command -v cmake >/dev/null || skip "cmake is not installed (scripts/setup.sh installs it)"
    use_fleche_on_path
    checkout one
    checkout two
    # Found from both build directories: the checkouts' parent is the base.
    printf '[run]\nbase_dir = "."\n' >fleche.toml
    # CMake's own dependency scanning: the compiler writes no dependency
    # file, whose absolute paths would tie each object to its checkout.
    cmake_build one -DCMAKE_DEPENDS_USE_COMPILER=OFF
    assert_eq 14 "$(grep -c '^fleche: miss' one.log)" "first checkout: every compile runs"
    assert_eq 0 "$(grep -c '^fleche: hit' one.log || true)"
    cmake_build two -DCMAKE_DEPENDS_USE_COMPILER=OFF
    assert_eq 14 "$(grep -c '^fleche: hit' two.log)" "second checkout: every compile hits: $(grep '^fleche: miss' two.log | head -n 3)"
    assert_eq 0 "$(grep -c '^fleche: miss' two.log || true)"
    assert_eq "" "$(grep '^fleche: warning' one.log two.log || true)"
    assert_app_output two/build "$APP_OUTPUT"
    # Without the base directory, CMake's absolute paths differ.
    rm fleche.toml
    rm -rf two/build
    cmake_build two -DCMAKE_DEPENDS_USE_COMPILER=OFF
    assert_eq 14 "$(grep -c '^fleche: miss' two.log)" "no base_dir: the absolute paths miss"
}

# The compiler's dependency files (-MD, CMake's default) name the checkout:
# a hit in another checkout would restore a depfile naming the first one's
# headers, and the next build there would miss every header edit. Each
# checkout keeps its own entries instead, and an edit rebuilds.
case_cmake_depfiles_stay_with_their_checkout() {
    command -v cmake >/dev/null || skip "cmake is not installed (scripts/setup.sh installs it)"
    use_fleche_on_path
    checkout one
    checkout two
    printf '[run]\nbase_dir = "."\n' >fleche.toml
    cmake_build one
    cmake_build two
    assert_eq 14 "$(grep -c '^fleche: miss' two.log)" "second checkout: its depfiles are its own"
    assert_file_contains two.log 'the working directory: an output of the run names'
    grep -rq "$PWD/two/" two/build --include='*.d' || fail "two's depfiles do not name two"
    if grep -rq "$PWD/one/" two/build --include='*.d'; then
        fail "a depfile in two names one"
    fi
    sed -i 's/SIDES 4/SIDES 7/' two/include_b/shape.h
    timeout -k 5 300 cmake --build two/build >edit.log 2>&1 || fail "rebuild failed"
    assert_eq 3 "$(grep -c '^fleche: miss' edit.log)" "the three compiles including shape.h rebuild: $(cat edit.log)"
    two/build/app | grep -q 'sides 7' || fail "a stale binary after the header edit: $(two/build/app)"
    # A fresh build directory of the same checkout hits its own entries.
    rm -rf one/build
    cmake_build one
    assert_eq 14 "$(grep -c '^fleche: hit' one.log)" "one's own entries: $(grep '^fleche: miss' one.log | head -n 3)"
}

run_case clean_rebuild_hits case_clean_rebuild_hits
run_case header_edit_recompiles_includers case_header_edit_recompiles_includers
run_case shadowing_header_misses case_shadowing_header_misses
run_case listed_directory case_listed_directory
run_case second_checkout_relative_paths case_second_checkout_relative_paths
run_case second_checkout_absolute_paths case_second_checkout_absolute_paths
run_case static_binary_reads_traced case_static_binary_reads_traced
run_case strace_under_trace case_strace_under_trace
run_case asan_lsan_under_trace case_asan_lsan_under_trace
run_case nested_trace_falls_back case_nested_trace_falls_back
run_case daemon_not_stored case_daemon_not_stored
run_case documented_make_form case_documented_make_form
run_case cmake_launcher_second_checkout case_cmake_launcher_second_checkout
run_case cmake_depfiles_stay_with_their_checkout case_cmake_depfiles_stay_with_their_checkout
finish
