/**
 * `dppo expert --task T --steps N --seed S --out CKPT [--stop-at R] [--workers N] [--set k=v …]`: trains a
 * Gaussian policy from scratch with PPO (train/ppoScratch.ts; settings: config/expert.ts, defaults: the
 * task family's `expertPreset`). One JSON line per iteration; the checkpoint is rewritten every
 * `--save-every` iterations and at the end, so a stopped run still leaves its latest weights. Its noisy
 * rollouts become a dataset with `dppo rollout-data` (docs/datasets-gym.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolveExpertConfig } from '../../config/expert';
import { UserError } from '../../core/errors';
import { encodeCheckpoint } from '../../policy/checkpoint';
import { initTf } from '../../policy/tfSetup';
import { taskFamily, taskIds } from '../../sim/registry';
import { trainExpertPpo } from '../../train/ppoScratch';
import type { CommandSpec, Parsed } from '../args';
import { checkOutputPath } from '../assets';
import { envFactory, WORKERS_OPTION } from '../envs';
import type { Output } from '../output';

export const expertSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: 'task id (one whose family has an expert preset)' },
    steps: { type: 'string', value: 'N', help: "env steps to train (totalSteps; default: the preset's, 1M for Gym)" },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
    out: { type: 'string', value: 'CKPT', help: 'where to write the checkpoint (.safetensors)' },
    'stop-at': { type: 'string', value: 'R', help: 'stop once the mean return of the last 20 episodes reaches R' },
    iters: { type: 'string', value: 'K', help: 'stop after K iterations (the LR schedule still spans --steps)' },
    'save-every': { type: 'string', value: 'K', help: 'rewrite --out every K iterations (default 10)' },
    set: { type: 'string', multiple: true, value: 'key=value', help: 'override an expert setting (config/expert.ts key), repeatable' },
    workers: WORKERS_OPTION,
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
  },
};

export async function cmdExpert(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const family = taskFamily(task);
  if (!family.expertPreset) {
    const withPreset = taskIds().filter((id) => taskFamily(id).expertPreset);
    throw new UserError(`--task ${task} has no from-scratch PPO preset; dppo expert trains ${withPreset.join(', ')}.`);
  }
  const seed = p.int('seed', { min: 0, max: 2 ** 32 - 1 }, 0);
  const overrides: Record<string, unknown> = { ...p.sets };
  if (p.opts.has('steps')) overrides.totalSteps = p.int('steps', { min: 1, max: 1e10 });
  const config = resolveExpertConfig(family.expertPreset(task, seed), overrides);
  const outPath = p.str('out');
  checkOutputPath(outPath, '--out');
  const stopAt = p.opts.has('stop-at') ? p.num('stop-at') : undefined;
  const saveEvery = p.int('save-every', { min: 1, max: 1_000_000 }, 10);
  const makeVecEnv = envFactory(p);
  await initTf(p.choice('backend', ['wasm', 'cpu'] as const, 'wasm'));
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  const provenance = { command: 'dppo expert', stopAt: stopAt ?? null };
  const result = await trainExpertPpo({
    config,
    makeVecEnv,
    stopAtReturn: stopAt,
    maxIterations: p.opts.has('iters') ? p.int('iters', { min: 1, max: 1e9 }) : undefined,
    provenance,
    onIteration: (it, checkpoint) => {
      out.line({
        itr: it.itr,
        env_steps: it.env_steps,
        wall_s: round(it.wall_s),
        avg_return: round(it.avg_return),
        recent_return: round(it.recent_return),
        avg_length: round(it.avg_length),
        num_episodes: it.num_episodes,
        std: round(it.std, 4),
        approx_kl: round(it.approx_kl, 5),
        clipfrac: round(it.clipfrac, 4),
        v_loss: round(it.value_loss, 4),
        explained_variance: round(it.explained_variance, 3),
        rollout_s: round(it.rollout_s),
        update_s: round(it.update_s),
      });
      if ((it.itr + 1) % saveEvery === 0) writeFileSync(outPath, encodeCheckpoint(checkpoint()));
    },
  });
  try {
    const ckpt = result.checkpoint();
    const bytes = encodeCheckpoint({ ...ckpt, provenance: { ...ckpt.provenance, summary: result.summary } });
    writeFileSync(outPath, bytes);
    out.summary({ ...result.summary, wall_s: round(Number(result.summary.wall_s)), out: outPath, bytes: bytes.length });
  } finally {
    result.dispose();
  }
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
