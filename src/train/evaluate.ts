/**
 * Evaluation of a checkpoint: full episodes in eval mode (spec §2.4 deterministic sampling; §4.2 metrics —
 * only complete episodes count, success = best chunk mean reward ≥ threshold).
 */
import { RANDN_CLIP_VALUE_DEFAULT } from '../config/finetune';
import { Rng } from '../core/rng';
import type { Checkpoint } from '../policy/checkpoint';
import { policyFromCheckpoint } from '../policy/index';
import { episodeMetrics } from '../rl/metrics';
import { taskSpec } from '../sim/registry';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { NormalizedVecEnv } from './normalizedVecEnv';
import { alwaysRun, type RunControl, type TrainEventSink } from './events';
import { collectRollout, extractPaths } from './rollout';
import { assertCheckpointFitsTask } from './taskCheck';

export interface EvaluateOptions {
  task: string;
  checkpoint: Checkpoint;
  episodes: number;
  seed: number;
  /** Parallel envs (default min(episodes, 50)). */
  nEnvs?: number;
  /** Eval-mode sampling (default true); false samples with the exploration floor as in training. */
  deterministic?: boolean;
  /** Gaussian noise std added to normalised actions (paper Fig. 12: noise on the sampled actions). */
  actionNoise?: number;
  /** Multiplier of the task's initial-state noise (VecEnvOptions.initNoiseScale; paper Fig. 12's wider starts). */
  initNoiseScale?: number;
  minSamplingDenoisingStd?: number;
  randnClipValue?: number;
  /** Override of the task's truncation horizon (env steps). */
  maxEpisodeSteps?: number;
  sink?: TrainEventSink;
  control?: RunControl;
  /** Builds the envs (default: in-process). */
  makeVecEnv?: (opts: VecEnvOptions) => Promise<VecEnv>;
}

export interface EvaluateSummary {
  [key: string]: number | boolean | string;
  final: true;
  task: string;
  episodes: number;
  success_rate: number;
  avg_return: number;
  avg_best_reward: number;
  wall_s: number;
}

export async function evaluate(opts: EvaluateOptions): Promise<EvaluateSummary> {
  const t0 = performance.now();
  const control = opts.control ?? alwaysRun;
  const rng = new Rng(opts.seed);
  assertCheckpointFitsTask(opts.checkpoint, opts.task);
  const { policy, normalizer } = policyFromCheckpoint(opts.checkpoint, rng.fork());
  const spec = taskSpec(opts.task);
  const nEnvs = opts.nEnvs ?? Math.min(opts.episodes, 50);
  const rounds = Math.ceil(opts.episodes / nEnvs);
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? spec.maxEpisodeSteps;
  const nSteps = Math.ceil(maxEpisodeSteps / policy.config.actSteps);
  let rawEnv: VecEnv;
  try {
    rawEnv = await (opts.makeVecEnv ?? createVectorEnv)({
      taskId: opts.task,
      nEnvs,
      actSteps: policy.config.actSteps,
      seed: opts.seed,
      maxEpisodeSteps,
      ...(opts.initNoiseScale !== undefined ? { initNoiseScale: opts.initNoiseScale } : {}),
    });
  } catch (e) {
    policy.dispose();
    throw e;
  }
  const venv = new NormalizedVecEnv(rawEnv, normalizer);
  let episodes = 0;
  let successes = 0;
  let returnSum = 0;
  let bestSum = 0;
  try {
    for (let r = 0; r < rounds && !control.stopped; r++) {
      const obs = await venv.reset();
      const buf = await collectRollout(policy, venv, obs, new Uint8Array(nEnvs).fill(1), nSteps, rng, {
        deterministic: opts.deterministic ?? true,
        minSamplingDenoisingStd: opts.minSamplingDenoisingStd ?? 0.1,
        randnClipValue: opts.randnClipValue ?? RANDN_CLIP_VALUE_DEFAULT,
        actionNoise: opts.actionNoise,
        onStep: async (t) => {
          opts.sink?.({ type: 'progress', phase: 'eval', itr: r, fraction: (t + 1) / nSteps });
          await control.checkpoint();
        },
      });
      const ep = episodeMetrics({ rewards: buf.rewards, firsts: buf.firsts, nEnvs, actSteps: policy.config.actSteps, successThreshold: spec.bestRewardThresholdForSuccess });
      episodes += ep.numEpisodes;
      successes += ep.successRate * ep.numEpisodes;
      returnSum += ep.avgReturn * ep.numEpisodes;
      bestSum += ep.avgBestReward * ep.numEpisodes;
      opts.sink?.({ type: 'paths', itr: r, paths: extractPaths(buf, spec.bestRewardThresholdForSuccess) });
    }
  } finally {
    await rawEnv.dispose();
    policy.dispose();
  }
  return {
    final: true,
    task: opts.task,
    episodes,
    success_rate: episodes ? successes / episodes : NaN,
    avg_return: episodes ? returnSum / episodes : NaN,
    avg_best_reward: episodes ? bestSum / episodes : NaN,
    wall_s: (performance.now() - t0) / 1000,
  };
}
