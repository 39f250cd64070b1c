#!/usr/bin/env bash
# Build fleche (scripts/setup.sh) and run the whole test suite with CTest,
# then the same again under the sanitizers. What CI runs (.ci/run).
#
#   stage       what                                         skip with
#   format      scripts/format.sh --check, once the tree     (only when the file
#               was reformatted                                .ci/format-enforced exists)
#   build/      the static release build, warnings as        -
#               errors (FLECHE_DEV_MODE), every test
#   build-tsan/ ThreadSanitizer: the unit tests that run      FLECHE_SANITIZERS=0
#               threads (doctest suite "threads")
#   build-asan/ AddressSanitizer + UndefinedBehaviorSanitizer FLECHE_SANITIZERS=0
#               (dynamic link): unit tests and the
#               end-to-end suites
#
# Any sanitizer report fails the run: reports go to files (so that those of
# detached processes, whose stderr is /dev/null, are seen too) and a stage
# fails when any file was written. Exits non-zero when any stage failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test: %s\n' "$*"; }
jobs=$(nproc)
status=0

# The reformat commit creates .ci/format-enforced; until then the tree is
# known to differ (a one-time reformat waits for the open branches to merge).
if [[ -f .ci/format-enforced ]]; then
    log "checking the format"
    ./scripts/format.sh --check || status=1
else
    log "format check not enforced yet (no .ci/format-enforced)"
fi

FLECHE_DEV_MODE=ON ./scripts/setup.sh

log "running ctest in build/"
# --no-tests=error: a build that registers no test at all is a failure, not a silent pass.
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs" || status=1

if [[ "${FLECHE_SANITIZERS:-1}" == 0 ]]; then
    log "sanitizer builds skipped (FLECHE_SANITIZERS=0)"
    exit "$status"
fi

# sanitizer_build DIR SANITIZERS TARGET...: configure and build DIR. -O0 -g1:
# compiling is most of these stages' time and -O0 roughly halves it against
# -O1 (the hot loops, SHA-256 and zstd, are in uninstrumented libraries
# anyway); -g1 still gives file:line in every report. Extra cmake options
# come from $SANITIZER_CMAKE_OPTIONS.
sanitizer_build() {
    local dir=$1 sanitizers=$2
    shift 2
    log "building $dir/ (-fsanitize=$sanitizers)"
    # shellcheck disable=SC2086 # a list of options
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" \
        -DFLECHE_STATIC_DEPS=OFF -DFLECHE_SANITIZE="$sanitizers" -DFLECHE_DEV_MODE=ON \
        ${SANITIZER_CMAKE_OPTIONS:-} >/dev/null
    cmake --build "$dir" -j"$jobs" --target "$@"
}

# reports_clean DIR: no sanitizer wrote a report file under DIR/reports.
reports_clean() {
    local found=() file
    for file in $(find "$1/reports" -type f 2>/dev/null); do
        # LeakSanitizer could not stop the threads of a process that a test
        # was killing or stopping just then (the crash and lock tests do):
        # no check ran, so there is nothing to report.
        local unable='^==[0-9]*==Unable to get registers from thread [0-9]*\.$'
        if grep -q "$unable" "$file" && ! grep -qv "$unable" "$file"; then
            log "leak check skipped in a process killed as it exited: $file"
            continue
        fi
        found+=("$file")
    done
    ((${#found[@]} == 0)) && return 0
    log "sanitizer reports in $1/reports:"
    for file in "${found[@]}"; do
        echo "==== $file"
        head -n 60 "$file"
    done
    return 1
}

sanitizer_build build-tsan thread fleche_unit
rm -rf build-tsan/reports && mkdir -p build-tsan/reports
log "running the unit tests of suite \"threads\" in build-tsan/"
(
    export TSAN_OPTIONS="halt_on_error=1:log_path=$PWD/build-tsan/reports/tsan"
    build-tsan/fleche_unit --test-suite=threads
) || status=1
reports_clean build-tsan || status=1

# Last, so that the output ends with ctest's own summary.
# The end-to-end suites that do not run under ASan, and why.
#   stress: thousands of runs; ten times slower instrumented, and what it
#           exercises (locks, concurrent stores) test_concurrency covers.
asan_excluded='^cli/(stress)$'
# Without the precompiled header and the unity build of the main build: each
# file must compile on its own includes and its own anonymous namespace.
SANITIZER_CMAKE_OPTIONS="-DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DFLECHE_UNITY_BUILD=OFF" \
    sanitizer_build build-asan address,undefined fleche fleche_unit
rm -rf build-asan/reports && mkdir -p build-asan/reports
log "running ctest in build-asan/ (except ${asan_excluded})"
(
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$PWD/build-asan/reports/asan"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$PWD/build-asan/reports/ubsan"
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs" -E "$asan_excluded"
) || status=1
reports_clean build-asan || status=1


exit "$status"
