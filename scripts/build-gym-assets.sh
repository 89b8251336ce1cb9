#!/usr/bin/env bash
# Rebuilds the bundled Gym "medium" datasets and pre-trained policies in public/ (docs/datasets-gym.md):
# a from-scratch Gaussian-PPO expert (dppo expert), its noisy rollouts as DPPO npz (dppo rollout-data), and
# behaviour cloning on them (dppo pretrain). Deterministic for a seed on the wasm backend. Long: run it at
# low priority on a shared machine (nice -n 19 scripts/build-gym-assets.sh).
# Usage: scripts/build-gym-assets.sh [expert|data|checkpoints|all] [task …]
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
shift || true
tasks=${*:-hopper}
work=${GYM_EXPERT_DIR:-/tmp/gymexp}
mkdir -p "$work"
# Per task: expert iterations and the action noise of the rollouts (docs/datasets-gym.md).
declare -A ITERS=([hopper]=140 [walker2d]=180 [halfcheetah]=200)
declare -A NOISE=([hopper]=0.3 [walker2d]=0.1 [halfcheetah]=0.1)
declare -A EPISODES=([hopper]=64 [walker2d]=48 [halfcheetah]=20)
# Diffusion BC epochs (walker2d: 20 epochs gave dppo eval 992, 40 gave 1,114).
declare -A DIFF_EPOCHS=([hopper]=30 [walker2d]=40 [halfcheetah]=120)
for t in $tasks; do
  if [[ $what == expert || $what == all ]]; then
    npx dppo expert --task "$t" --seed 0 --iters "${ITERS[$t]}" --out "$work/$t-expert.safetensors" --json | tail -n 1
  fi
  if [[ $what == data || $what == all ]]; then
    npx dppo rollout-data --ckpt "$work/$t-expert.safetensors" --episodes "${EPISODES[$t]}" --noise "${NOISE[$t]}" --seed 0 \
      --out "public/datasets/$t" --json | tail -n 1
  fi
  if [[ $what == checkpoints || $what == all ]]; then
    npx dppo pretrain --task "$t" --policy diffusion-mlp --data "builtin:$t/train" --epochs "${DIFF_EPOCHS[$t]}" --seed 0 \
      --out "public/checkpoints/$t/diffusion-mlp.safetensors" --json | tail -n 1
    for p in gaussian-mlp gmm-mlp; do
      npx dppo pretrain --task "$t" --policy "$p" --data "builtin:$t/train" --epochs 20 --seed 0 \
        --out "public/checkpoints/$t/$p.safetensors" --json | tail -n 1
    done
  fi
done
