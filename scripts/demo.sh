#!/usr/bin/env bash
# A two-minute tour: memoize a slow "simulation" with fleche and watch the second run come
# back from the store in milliseconds. Builds fleche first (scripts/setup.sh).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
./scripts/setup.sh
fleche="$repo/build/fleche"

work="$(mktemp -d "${TMPDIR:-/tmp}/fleche-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
# A store of its own, so the demo neither uses nor touches ~/.cache/fleche.
export FLECHE_DIR="$work/store"

cat > simulate.sh <<'SIM'
#!/bin/sh
# A stand-in for an expensive simulation: takes 2 seconds, reports progress on stderr,
# prints its result on stdout and writes result.txt.
seed="$1"
echo "simulate: running with seed $seed ..." >&2
sleep 2
value=$(( (seed * 7919) % 1000 ))
echo "result for seed $seed: $value" > result.txt
echo "result for seed $seed: $value"
SIM
chmod +x simulate.sh

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

# timed CMD...: run CMD, print how long it took, and leave the milliseconds in $elapsed_ms.
elapsed_ms=0
timed() {
    local start end status=0
    start=$(date +%s%N)
    "$@" || status=$?
    end=$(date +%s%N)
    elapsed_ms=$(( (end - start) / 1000000 ))
    printf '    (took %d ms, exit %d)\n' "$elapsed_ms" "$status"
    return "$status"
}

say "Demo directory: $work (store: \$FLECHE_DIR=$FLECHE_DIR)"
printf '    $ fleche run -v -o result.txt -- ./simulate.sh 42\n'

say "1st run: a miss, the simulation really runs (about 2 s)"
timed "$fleche" run -v -o result.txt -- ./simulate.sh 42
miss_ms=$elapsed_ms

say "result.txt is removed, then the same command again"
rm -f result.txt
say "2nd run: a hit, stdout and stderr are replayed and result.txt is restored (milliseconds)"
timed "$fleche" run -v -o result.txt -- ./simulate.sh 42
hit_ms=$elapsed_ms
printf '    result.txt now contains: %s\n' "$(cat result.txt)"

say "The key of this invocation, and a check that it is stored"
printf '    $ fleche digest -o result.txt -- ./simulate.sh 42\n    '
"$fleche" digest -o result.txt -- ./simulate.sh 42
if "$fleche" has -o result.txt -- ./simulate.sh 42; then
    echo "    fleche has: stored (exit 0)"
fi

say "A different argument is a different key: a miss again (about 2 s)"
timed "$fleche" run -v -o result.txt -- ./simulate.sh 43

say "Summary: miss ${miss_ms} ms, hit ${hit_ms} ms. Done; removing $work"
