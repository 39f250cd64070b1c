#!/usr/bin/env bash
# fleche's benchmark suite: fleche side by side with what people would use
# otherwise, on this machine, in one run. Every figure is a ratio of two
# timings taken in this same run (hyperfine means), never a bare time.
#
#   bench/run.sh            all rows (about 5 minutes; needs ~4 GiB of free disk)
#   bench/run.sh 1 2        only these rows (3a, 3b, 3c: parts of row 3;
#                           10a, 10b: parts of row 10, the remote cache;
#                           9a, 9b, 9c: parts of row 9, --trace)
#
# Prints a Markdown table: row, what is compared, figure, goal, met.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

need=()
for tool in hyperfine ccache gcc openssl python3; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if ((${#need[@]} > 0)); then
    pkgs=()
    for tool in "${need[@]}"; do
        case $tool in
            gcc) pkgs+=(gcc) ;;
            python3) pkgs+=(python3) ;;
            *) pkgs+=("$tool") ;;
        esac
    done
    echo "bench: installing ${pkgs[*]}" >&2
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
fi
[[ -x build/fleche && -x build/fleche_bench_populate ]] || ./scripts/setup.sh >&2

F=$root/build/fleche
POPULATE=$root/build/fleche_bench_populate
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleche-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export FLECHE_DIR=$WORK/store
rows=("$@")

wanted() { [[ ${#rows[@]} -eq 0 ]] || [[ " ${rows[*]} " == *" $1 "* ]]; }
log() { printf 'bench: %s\n' "$*" >&2; }

# means FILE: the mean times (seconds) of a hyperfine JSON export, in order.
means() {
    python3 -c 'import json,sys; print(" ".join("%.9f" % r["mean"] for r in json.load(open(sys.argv[1]))["results"]))' "$1"
}
# calc EXPR: floating-point arithmetic.
calc() { python3 -c "print($1)"; }
# row N WHAT FIGURE GOAL MET
row() { printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
check() { python3 -c "print('yes' if ($1) else 'NO')"; }
# hf JSON ARGS...: hyperfine, quiet, exporting JSON.
hf() {
    local json=$1
    shift
    hyperfine --style none --export-json "$json" "$@" >/dev/null 2>"$json.err" ||
        { cat "$json.err" >&2; return 1; }
}

printf '| # | measurement | figure | goal | met |\n|---|---|---|---|---|\n'

if wanted 1; then
    log "1: hit latency without inputs"
    "$F" run -- true
    hf r1.json -N --warmup 50 --runs 500 "$F run -- true" "/bin/true"
    read -r a b < <(means r1.json)
    r=$(calc "$a / $b")
    row 1 "hit \`fleche run -- true\` / exec of \`/bin/true\`" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 1.5" "$(check "$r <= 1.5")"
fi

# The small C file that rows 2 and 9 compile.
make_x_c() {
    cat >x.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) { printf("%d %s\n", argc, argc > 1 ? argv[1] : ""); return 0; }
C
}

if wanted 2; then
    log "2: hit on a real compile, fleche against ccache"
    make_x_c
    export CCACHE_DIR=$WORK/ccache
    ccache gcc -c x.c -o x.o && ccache gcc -c x.c -o x.o
    "$F" run -i x.c -o x.o -- gcc -c x.c -o x.o
    hf r2.json -N --warmup 20 --runs 200 "$F run -i x.c -o x.o -- gcc -c x.c -o x.o" "ccache gcc -c x.c -o x.o"
    read -r a b < <(means r2.json)
    r=$(calc "$a / $b")
    row 2 "compile hit: fleche / ccache (both warm)" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 0.5" "$(check "$r <= 0.5")"
fi

make_big_inputs() {
    [[ -d big ]] && return
    mkdir big
    for i in 1 2 3 4; do head -c 256M /dev/urandom >big/part$i.bin; done
}

if wanted 3 || wanted 3a || wanted 3b; then
    log "3: hit with 1 GiB of declared inputs (warm stat cache), and cold hashing"
    make_big_inputs
    sleep 2.5 # older than the stat cache's racy window
    "$F" run -- true
    "$F" run -i 'big/*.bin' -- true
fi
if wanted 3 || wanted 3a; then
    hf r3.json -N --warmup 20 --runs 300 "$F run -i big/*.bin -- true" "$F run -- true"
    read -r a b < <(means r3.json)
    r=$(calc "$a / $b")
    row 3a "hit with 1 GiB of inputs / hit without inputs" "$(printf '%.2f' "$r")" "<= 1.5" "$(check "$r <= 1.5")"
fi
if wanted 3 || wanted 3b; then
    # digest never uses the stat cache: it hashes every byte each time.
    hf r3b.json -N --warmup 1 --runs 5 "$F digest -i big/*.bin -- true" "openssl dgst -sha256 big/part1.bin big/part2.bin big/part3.bin big/part4.bin"
    read -r a b < <(means r3b.json)
    r=$(calc "$b / $a")
    row 3b "cold hashing throughput: fleche / \`openssl dgst -sha256\`" "$(printf '%.2f' "$r") ($(calc "round(1024/$a)") MiB/s / $(calc "round(1024/$b)") MiB/s)" ">= 0.9 (parallel: >= 1.5)" "$(check "$r >= 0.9")"
fi

if wanted 3 || wanted 3c; then
    log "3c: hit with a directory input of 3,000 small files (warm stat cache)"
    python3 - <<'PY'
import os
for d in range(30):
    os.makedirs(f"tree/d{d:02}", exist_ok=True)
    for f in range(100):
        with open(f"tree/d{d:02}/f{f:03}.txt", "w") as out:
            out.write(f"file {d} {f}\n" * 20)
PY
    sleep 2.5 # older than the stat cache's racy window
    "$F" run -- true
    "$F" run -i tree -- true
    hf r3c.json -N --warmup 20 --runs 200 "$F run -i tree -- true" "$F run -- true"
    read -r a b < <(means r3c.json)
    r=$(calc "$a / $b")
    row 3c "hit with a 3,000-file directory input / hit without inputs" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 3" "$(check "$r <= 3")"
fi

if wanted 4; then
    log "4: miss overhead on a 100 ms command"
    hf r4.json -N --warmup 3 --runs 30 "$F run --refresh -- sleep 0.1" "sleep 0.1"
    read -r a b < <(means r4.json)
    r=$(calc "$a / $b")
    row 4 "miss (run and store) of \`sleep 0.1\` / bare" "$(printf '%.3f' "$r") (+$(calc "round(($a-$b)*1000,2)") ms)" "<= 1.03 and <= +2 ms" "$(check "$a <= 1.03 * $b and $a - $b <= 0.002")"
fi

if wanted 5; then
    log "5: capture throughput, 1 GiB on stdout"
    hf r5.json --warmup 1 --runs 3 "$F run --refresh -- head -c 1G /dev/urandom > /dev/null" "head -c 1G /dev/urandom > /dev/null"
    read -r a b < <(means r5.json)
    r=$(calc "$a / $b")
    row 5 "miss writing 1 GiB to stdout / bare (\`head -c 1G /dev/urandom\`)" "$(printf '%.2f' "$r")" "<= 1.3" "$(check "$r <= 1.3")"
fi

if wanted 6; then
    log "6: restoring 1 GiB of outputs"
    make_big_inputs
    rm -rf out
    "$F" run -o out -- cp -r big out
    hf r6.json --warmup 1 --runs 5 --prepare "rm -rf out" "$F run -o out -- cp -r big out" "cp -r big out"
    read -r a b < <(means r6.json)
    r=$(calc "$a / $b")
    row 6 "hit restoring 1 GiB of outputs / \`cp -r\`" "$(printf '%.2f' "$r")" "<= 1.1" "$(check "$r <= 1.1")"
fi

if wanted 7; then
    log "7: a store of 1,000,000 entries"
    rm -rf "$WORK/big-store" "$WORK/empty-store"
    "$POPULATE" "$WORK/big-store" 1000000
    FLECHE_DIR=$WORK/big-store "$F" run -- true
    FLECHE_DIR=$WORK/empty-store "$F" run -- true
    hf r7.json -N --warmup 50 --runs 300 \
        "env FLECHE_DIR=$WORK/big-store $F run -- true" "env FLECHE_DIR=$WORK/empty-store $F run -- true"
    read -r a b < <(means r7.json)
    r=$(calc "$a / $b")
    row 7a "hit in a 1,000,000-entry store / in an empty store" "$(printf '%.2f' "$r")" "<= 1.1" "$(check "$r <= 1.1")"
    if "$F" query --help >/dev/null 2>&1; then
        hf r7b.json -N --warmup 2 --runs 10 "env FLECHE_DIR=$WORK/big-store $F query --name sim42 --limit 10"
        read -r a < <(means r7b.json)
        row 7b "selective \`query --name\` (1,000 of 1,000,000 entries match) in the big store" "$(calc "round($a*1000,1)") ms" "<= 50 ms" "$(check "$a <= 0.05")"
    else
        row 7b "selective \`query --name\` (1,000 of 1,000,000 entries match) in the big store" "n/a (no query command yet)" "<= 50 ms" "n/a"
    fi
    if "$F" gc --help >/dev/null 2>&1; then
        start=$(date +%s.%N)
        FLECHE_DIR=$WORK/big-store "$F" gc --max-entries 900000 >/dev/null
        end=$(date +%s.%N)
        a=$(calc "$end - $start")
        row 7c "\`gc\` evicting 10% of 1,000,000 entries" "$(calc "round($a,2)") s" "<= 5 s" "$(check "$a <= 5")"
    else
        row 7c "\`gc\` evicting 10% of 1,000,000 entries" "n/a (no gc command yet)" "<= 5 s" "n/a"
    fi
fi

if wanted 8; then
    log "8: 8 identical 1-second invocations started together"
    cat >slow.sh <<'SH'
#!/bin/sh
echo ran >>"$COUNTER"
sleep 1
echo done
SH
    chmod +x slow.sh
    export COUNTER=$WORK/counter
    : >"$COUNTER"
    # Each measured run uses a fresh salt, so that it is a miss for the first
    # of the eight and a wait-then-replay for the others.
    cat >eight.sh <<SH
#!/bin/bash
salt=\$RANDOM\$RANDOM
for i in 1 2 3 4 5 6 7 8; do "$F" run --salt "\$salt" -- ./slow.sh >/dev/null 2>&1 & done
wait
SH
    chmod +x eight.sh
    hf r8.json -N --warmup 0 --runs 5 "./eight.sh" "$F run --no-store -- ./slow.sh"
    read -r a b < <(means r8.json)
    r=$(calc "$a / $b")
    executions=$(($(wc -l <"$COUNTER") - 5))
    row 8a "8 identical runs together: wall / one run" "$(printf '%.2f' "$r")" "<= 1.2" "$(check "$r <= 1.2")"
    row 8b "8 identical runs together: executions of CMD per batch" "$(calc "$executions / 5")" "1" "$(check "$executions == 5")"
fi

if wanted 9 || wanted 9a || wanted 9b; then
    make_x_c
    sleep 2.5 # older than the stat cache's racy window
fi
if wanted 9 || wanted 9a; then
    log "9a: traced miss of gcc -c against an untraced miss"
    # --refresh: a miss each time (run and store), the key unchanged.
    hf r9a.json -N --warmup 3 --runs 30 \
        "$F run --refresh --trace -- gcc -c x.c -o x.o" "$F run --refresh -i x.c -o x.o -- gcc -c x.c -o x.o"
    read -r a b < <(means r9a.json)
    r=$(calc "$a / $b")
    row 9a "traced miss of \`gcc -c\` / untraced miss (\`-i x.c -o x.o\`)" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 1.3" "$(check "$r <= 1.3")"
fi
if wanted 9 || wanted 9b; then
    log "9b: traced compile hit against a ccache direct-mode hit"
    export CCACHE_DIR=$WORK/ccache
    ccache gcc -c x.c -o x.o && ccache gcc -c x.c -o x.o
    "$F" run --trace -- gcc -c x.c -o x.o
    "$F" run --trace -- gcc -c x.c -o x.o
    hf r9b.json -N --warmup 20 --runs 200 "$F run --trace -- gcc -c x.c -o x.o" "ccache gcc -c x.c -o x.o"
    read -r a b < <(means r9b.json)
    r=$(calc "$a / $b")
    row 9b "traced compile hit / ccache direct-mode hit (both warm)" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 0.7" "$(check "$r <= 0.7")"
fi
if wanted 9 || wanted 9c; then
    log "9c: traced hit with a path set of 300 files against an untraced hit without inputs"
    mkdir -p paths
    for i in $(seq -w 0 299); do echo "file $i" >"paths/f$i"; done
    sleep 2.5 # older than the stat cache's racy window
    "$F" run -- true
    # The path set: the listing of paths/, its 300 files, and sh's and cat's
    # binaries, libraries and locale files (345 paths here).
    "$F" run --trace -- sh -c 'cat paths/* >/dev/null'
    "$F" run --trace -- sh -c 'cat paths/* >/dev/null'
    hf r9c.json -N --warmup 20 --runs 200 "$F run --trace -- sh -c 'cat paths/* >/dev/null'" "$F run -- true"
    read -r a b < <(means r9c.json)
    r=$(calc "$a / $b")
    row 9c "traced hit with a 345-path path set (300 files) / untraced hit without inputs" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 2" "$(check "$r <= 2")"
fi

# Row 10: the remote cache, against a real nginx on loopback (tests/cli/lib_nginx.sh).
if wanted 10 || wanted 10a || wanted 10b; then
    command -v nginx >/dev/null || { echo "bench: row 10 needs nginx (scripts/setup.sh installs it)" >&2; exit 1; }
    source "$root/tests/cli/lib_nginx.sh"
    nginx_start "$WORK/nginx"
    printf '#!/bin/sh\necho remote; mkdir -p out; echo data >out/f\n' >gen10
    chmod +x gen10
fi
if wanted 10 || wanted 10a; then
    log "10a: a hit fetched from nginx into an empty store against a local hit"
    export FLECHE_REMOTE=http://127.0.0.1:$NGINX_PORT/cache/bench
    "$F" run -o out -- ./gen10 >/dev/null # stored and uploaded
    "$F" run -o out -- ./gen10 >/dev/null
    hf r10a.json --warmup 3 --runs 60 --prepare "rm -rf $WORK/store-empty" \
        "FLECHE_DIR=$WORK/store-empty $F run -o out -- ./gen10 >/dev/null" \
        "$F run -o out -- ./gen10 >/dev/null"
    unset FLECHE_REMOTE
    read -r a b < <(means r10a.json)
    r=$(calc "$a / $b")
    row 10a "hit fetched from a remote cache (nginx, loopback) into an empty store / local hit" "$(printf '%.2f' "$r") ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= 3" "$(check "$r <= 3")"
fi
if wanted 10 || wanted 10b; then
    log "10b: a miss while the remote is in its cooldown against a miss without a remote"
    closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    FLECHE_REMOTE=http://127.0.0.1:$closed/cache "$F" run --refresh -- true 2>/dev/null # starts the cooldown
    hf r10b.json -N --warmup 10 --runs 200 \
        "env FLECHE_REMOTE=http://127.0.0.1:$closed/cache $F run --refresh -- true" \
        "env $F run --refresh -- true"
    read -r a b < <(means r10b.json)
    d=$(calc "($a - $b) * 1000")
    row 10b "miss within the remote's cooldown / miss without a remote (\`--refresh -- true\`)" "$(printf '%+.2f' "$d") ms ($(calc "round($a*1000,2)") ms / $(calc "round($b*1000,2)") ms)" "<= +1 ms" "$(check "$d <= 1")"
fi
