#!/usr/bin/env bash
# Install what fleche needs on Debian 12 (only what is missing) and build it into build/.
# Safe to run again: it installs nothing and rebuilds incrementally when all is in place.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'setup: %s\n' "$*"; }

# Build tools and libraries, plus the tools the tests use (the sqlite3 CLI; bash-completion,
# zsh and fish for the completion tests; jq for `fleche config --json`; time for the memory
# bound of `show`; strace for what a hit opens and for strace under --trace; python3 for
# the tests' fixtures; clang-format for scripts/format.sh --check). test_trace_build.sh
# builds a C project with make and cmake, links a static binary (libc6-dev's libc.a, from
# build-essential) and an ASan one (gcc's libasan), named here so that none goes missing. Never
# libboost-all-dev: it pulls in hundreds of packages, and fleche only needs the Boost 1.81
# headers. The remote cache's tests start real servers of their own on 127.0.0.1 (nginx with
# its WebDAV PUT, redis-server; Debian's post-install cannot start them here: no systemd),
# check the ActionResult with `protoc --decode_raw`, and make TLS certificates with openssl.
packages=(
    build-essential cmake g++ make libc6-dev
    libcli11-dev libboost1.81-dev libsqlite3-dev libssl-dev libtomlplusplus-dev
    doctest-dev libzstd-dev
    sqlite3 bash-completion zsh fish jq time strace python3 binutils
    nginx redis-server protobuf-compiler openssl
)
# The format check runs once the tree is reformatted (see scripts/test.sh).
[[ -f .ci/format-enforced ]] && packages+=(clang-format)

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${packages[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
else
    log "dpkg-query not found (not Debian?); skipping package installation"
fi

if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            log "not root and sudo is not available; install these packages first: ${missing[*]}" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    log "all packages present"
fi

# FLECHE_DEV_MODE=ON (scripts/test.sh sets it): more warnings, as errors.
log "configuring build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLECHE_DEV_MODE="${FLECHE_DEV_MODE:-OFF}"
log "building build/ with $(nproc) jobs"
cmake --build build -j"$(nproc)"
log "done: $(pwd)/build/fleche"
