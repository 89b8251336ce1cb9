#!/usr/bin/env bash
# Rebuilds the bundled Avoid demonstrations and pre-trained checkpoints in public/ (docs/checkpoints.md).
# Deterministic: same seeds, same files on the same backend (wasm).
# Usage: scripts/build-assets.sh [demos|checkpoints|all] [task …]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
shift || true
tasks=${*:-avoid-m1 avoid-m2 avoid-m3}
if [[ $what == demos || $what == all ]]; then
  for t in $tasks; do
    npx dppo demos --task "$t" --episodes 100 --seed 0 --out "public/datasets/$t/train.npz" --json | tail -n 1
  done
fi
if [[ $what == checkpoints || $what == all ]]; then
  for t in $tasks; do
    for p in diffusion-mlp gaussian-mlp gmm-mlp; do
      npx dppo pretrain --task "$t" --policy "$p" --data builtin --epochs 60 --seed 0 \
        --out "public/checkpoints/$t/$p.safetensors" --json | tail -n 1
    done
  done
fi
