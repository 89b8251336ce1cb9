/** `dppo eval`: success rate and return of a checkpoint over N episodes in eval mode. */
import { UserError } from '../../core/errors';
import { initTf } from '../../policy/tfSetup';
import { checkInitNoiseScale, taskSpec } from '../../sim/registry';
import { evaluate } from '../../train/evaluate';
import type { CommandSpec, Parsed } from '../args';
import { loadCheckpointRef, taskOfCheckpoint } from '../assets';
import { BRIDGE_OPTION, envFactory, TOKEN_OPTION, WORKERS_OPTION } from '../envs';
import type { Output } from '../output';

export const evalSpec: CommandSpec = {
  options: {
    ckpt: { type: 'string', value: 'CKPT', help: 'checkpoint file or builtin:<task>/<policy>' },
    task: { type: 'string', value: 'T', help: "task id (default: the checkpoint's)" },
    episodes: { type: 'string', value: 'N', help: 'episodes to run (default 50)' },
    'action-noise': { type: 'string', value: 'σ', help: 'Gaussian noise std added to normalised actions (default 0)' },
    'init-noise-scale': { type: 'string', value: 'K', help: "multiplier of the task's initial-state noise (default 1; 0 = the noise-free start; docs/robustness.md)" },
    'max-episode-steps': { type: 'string', value: 'M', help: "truncation horizon in env steps (default: the task's)" },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
    mode: { type: 'string', value: 'eval|explore', help: 'eval: deterministic sampling; explore: with the exploration floor' },
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
    workers: WORKERS_OPTION,
    bridge: BRIDGE_OPTION,
    token: TOKEN_OPTION,
  },
};

export async function cmdEval(p: Parsed, out: Output): Promise<void> {
  const ckpt = p.str('ckpt');
  const episodes = p.int('episodes', { min: 1, max: 100_000 }, 50);
  const seed = p.setting('seed', 'seed', 0);
  const actionNoise = p.num('action-noise', 0);
  if (actionNoise < 0) throw new UserError(`--action-noise must be ≥ 0, got ${actionNoise}`);
  const initNoiseScale = p.opts.has('init-noise-scale') ? p.num('init-noise-scale') : undefined;
  const maxEpisodeSteps = p.opts.has('max-episode-steps') ? p.int('max-episode-steps', { min: 1, max: 10_000_000 }) : undefined;
  const mode = p.choice('mode', ['eval', 'explore'] as const, 'eval');
  const makeVecEnv = envFactory(p);
  const checkpoint = loadCheckpointRef(ckpt);
  const task = p.opts.has('task') ? p.str('task') : taskOfCheckpoint(ckpt, checkpoint);
  taskSpec(task);
  if (initNoiseScale !== undefined) {
    try {
      checkInitNoiseScale(task, initNoiseScale);
    } catch (e) {
      throw e instanceof UserError ? new UserError(`--init-noise-scale: ${e.message}`) : e;
    }
  }
  await initTf(p.choice('backend', ['wasm', 'cpu'] as const, 'wasm'));
  const summary = await evaluate({
    task,
    checkpoint,
    episodes,
    seed,
    actionNoise,
    initNoiseScale,
    maxEpisodeSteps,
    deterministic: mode !== 'explore',
    makeVecEnv,
  });
  out.summary({ ...summary, ckpt, ...(actionNoise ? { action_noise: actionNoise } : {}), ...(initNoiseScale !== undefined ? { init_noise_scale: initNoiseScale } : {}) });
}
