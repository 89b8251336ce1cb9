/**
 * `dppo rollout-data --ckpt CKPT --episodes N --noise σ --out DIR [--seed S] [--workers N]`: noisy rollouts of
 * a one-step policy (a `dppo expert` checkpoint) written as DPPO's DIR/train.npz (normalised states, actions,
 * traj_lengths, rewards, terminals; float32) and DIR/normalization.npz (min–max over the recorded data),
 * spec §6.1–6.3. How the bundled Gym datasets are rebuilt: docs/datasets-gym.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors';
import { saveDppoNpz } from '../../data/dppoNpz';
import { Normalizer } from '../../policy/normalizer';
import { initTf } from '../../policy/tfSetup';
import { taskSpec } from '../../sim/registry';
import { rolloutData } from '../../train/rolloutData';
import type { CommandSpec, Parsed } from '../args';
import { checkOutputPath, loadCheckpointRef, taskOfCheckpoint } from '../assets';
import { envFactory, WORKERS_OPTION } from '../envs';
import type { Output } from '../output';

export const rolloutDataSpec: CommandSpec = {
  options: {
    ckpt: { type: 'string', value: 'CKPT', help: 'a one-step policy checkpoint (dppo expert writes them)' },
    task: { type: 'string', value: 'T', help: "task id (default: the checkpoint's)" },
    episodes: { type: 'string', value: 'N', help: 'episodes to record (default 100)' },
    noise: { type: 'string', value: 'σ', help: 'std of the Gaussian noise added to the raw actions (default 0.1)' },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
    out: { type: 'string', value: 'DIR', help: 'folder for train.npz and normalization.npz' },
    workers: WORKERS_OPTION,
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
  },
};

export async function cmdRolloutData(p: Parsed, out: Output): Promise<void> {
  const ref = p.str('ckpt');
  const checkpoint = loadCheckpointRef(ref);
  const task = p.opts.has('task') ? p.str('task') : taskOfCheckpoint(ref, checkpoint);
  taskSpec(task);
  const episodes = p.int('episodes', { min: 1, max: 1_000_000 }, 100);
  const noise = p.num('noise', 0.1);
  if (!(noise >= 0)) throw new UserError(`--noise must be a number ≥ 0, got ${noise}.`);
  const seed = p.int('seed', { min: 0, max: 2 ** 32 - 1 }, 0);
  const dir = p.str('out');
  const trainPath = join(dir, 'train.npz');
  const normPath = join(dir, 'normalization.npz');
  checkOutputPath(trainPath, '--out');
  const makeVecEnv = envFactory(p);
  await initTf(p.choice('backend', ['wasm', 'cpu'] as const, 'wasm'));
  const t0 = performance.now();
  const data = await rolloutData({
    task,
    checkpoint,
    episodes,
    noise,
    seed,
    makeVecEnv,
    onProgress: (k) => {
      if (out.json) out.line({ progress: k / episodes, episodes: k });
    },
  });
  const normalizer = Normalizer.fit(data.states, data.obsDim, data.actions, data.actDim);
  const files = saveDppoNpz(data, normalizer);
  mkdirSync(dir, { recursive: true });
  writeFileSync(trainPath, files.train);
  writeFileSync(normPath, files.normalization);
  const rets = Array.from(data.returns);
  const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
  const sd = Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / rets.length);
  out.summary({
    task,
    ckpt: ref,
    episodes: rets.length,
    steps: data.states.length / data.obsDim,
    noise,
    avg_return: Math.round(mean * 10) / 10,
    std_return: Math.round(sd * 10) / 10,
    min_return: Math.round(Math.min(...rets) * 10) / 10,
    max_return: Math.round(Math.max(...rets) * 10) / 10,
    avg_length: Math.round((data.states.length / data.obsDim / rets.length) * 10) / 10,
    out: trainPath,
    normalization: normPath,
    bytes: files.train.length + files.normalization.length,
    wall_s: Math.round((performance.now() - t0) / 100) / 10,
  });
}
