#!/bin/sh
# Sweep the time step of a slow simulation. Every point goes through fleche:
# the first sweep computes each point, a second one replays them all at once,
# and a sweep with new points computes only those.
#
#   ./sweep.sh                 # dt = 0.1 0.05 0.02 0.01
#   ./sweep.sh 0.1 0.005       # only 0.005 is new
#
# --progress only changes what the simulation prints on stderr, so the rule
# in fleche.toml leaves it out of the key (ignore_args).
set -eu
cd "$(dirname "$0")"
FLECHE=${FLECHE:-fleche}
[ $# -gt 0 ] || set -- 0.1 0.05 0.02 0.01
for dt in "$@"; do
    "$FLECHE" run -- ./simulate --dt "$dt" --steps 1000 --progress
done
