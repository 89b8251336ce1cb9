#!/usr/bin/env bash
# DPPO vs Gaussian-PPO vs GMM-PPO on Avoid M1/M2/M3, 3 seeds each (laptop preset, 30 iterations), from the
# bundled checkpoints. Appends one summary JSON line per run to $OUT and prints the markdown table.
# Usage: scripts/compare-avoid.sh [OUT] [JOBS]   (JOBS parallel runs; 2 on a 2-core machine)
# ALGOS="dppo gaussian gmm" selects algorithms; APPEND=1 keeps earlier lines in OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/results/avoid-compare.jsonl}
JOBS=${2:-2}
mkdir -p "$(dirname "$OUT")"
[[ ${APPEND:-0} == 1 ]] || : > "$OUT"
runs=()
for algo in ${ALGOS:-dppo gaussian gmm}; do
  for task in avoid-m1 avoid-m2 avoid-m3; do
    for seed in 0 1 2; do runs+=("$algo $task $seed"); done
  done
done
printf '%s\n' "${runs[@]}" | xargs -P "$JOBS" -L 1 bash -c \
  'npx dppo finetune --algo "$0" --task "$1" --seed "$2" --iters 30 --json | tail -n 1 >> '"$OUT"
node scripts/compare-table.mjs "$OUT"
