/**
 * Noisy rollouts of a policy as a dataset (our stand-in for D4RL's `*-medium-v2`, spec/dppo-reference.md
 * §6.3; D4RL's medium data are likewise the rollouts of a policy stopped partway through training).
 * Every env step is recorded in raw task units: the observation the policy saw, the action the env executed
 * (the policy's deterministic action plus N(0, σ²) noise, clipped to the action bounds), the reward and
 * whether the step terminated the episode. The caller writes DPPO's train.npz / normalization.npz from it
 * (data/dppoNpz.ts, min–max fitted on the data as DPPO's converter does).
 *
 * Episodes are collected in rounds of nEnvs: all envs reset together and each contributes its one episode,
 * so the kept episodes are not biased towards the short ones that finish first. Envs that finish early
 * keep stepping until the round ends (auto-reset); those steps are discarded.
 *
 * Legend: n nEnvs, Do obs dim, Da action dim.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import type { RawTrajectories } from '../data/dppoNpz';
import type { Checkpoint } from '../policy/checkpoint';
import { policyFromCheckpoint } from '../policy/index';
import { taskSpec } from '../sim/registry';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { assertCheckpointFitsTask } from './taskCheck';

export interface RolloutDataOptions {
  task: string;
  checkpoint: Checkpoint;
  /** Episodes to record. */
  episodes: number;
  /** Std of the Gaussian noise added to the raw actions (≥ 0). */
  noise: number;
  seed: number;
  /** Parallel envs (default min(episodes, 16)). */
  nEnvs?: number;
  maxEpisodeSteps?: number;
  makeVecEnv?: (opts: VecEnvOptions) => Promise<VecEnv>;
  /** After every round: episodes recorded so far. */
  onProgress?: (episodes: number) => void;
}

export interface RolloutData extends RawTrajectories {
  /** Undiscounted return of each recorded episode [N]. */
  returns: Float64Array;
}

export async function rolloutData(opts: RolloutDataOptions): Promise<RolloutData> {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new UserError(`episodes must be a positive integer, got ${opts.episodes}.`);
  if (!(opts.noise >= 0)) throw new UserError(`The action noise σ must be ≥ 0, got ${opts.noise}.`);
  assertCheckpointFitsTask(opts.checkpoint, opts.task);
  const spec = taskSpec(opts.task);
  const { obsDim: Do, actDim: Da } = spec;
  const rng = new Rng(opts.seed);
  const { policy, critic, normalizer } = policyFromCheckpoint(opts.checkpoint, rng.fork());
  critic?.dispose();
  const { actSteps, horizonSteps: Ta } = policy.config;
  if (actSteps !== 1 || policy.config.condSteps !== 1) {
    policy.dispose();
    throw new UserError(`rollout-data records every env step, so it needs a policy that acts one step at a time from one observation (actSteps 1, condSteps 1, as dppo expert trains); this checkpoint has actSteps ${actSteps}, condSteps ${policy.config.condSteps}.`);
  }
  const n = opts.nEnvs ?? Math.min(opts.episodes, 16);
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? spec.maxEpisodeSteps;
  let env: VecEnv;
  try {
    env = await (opts.makeVecEnv ?? createVectorEnv)({ taskId: opts.task, nEnvs: n, actSteps: 1, seed: opts.seed, maxEpisodeSteps });
  } catch (e) {
    policy.dispose();
    throw e;
  }
  const states: number[] = [];
  const actions: number[] = [];
  const rewards: number[] = [];
  const terminals: number[] = [];
  const lengths: number[] = [];
  const returns: number[] = [];
  const chunk = new Float32Array(n * Ta * Da);
  try {
    while (lengths.length < opts.episodes) {
      const keep = Math.min(n, opts.episodes - lengths.length);
      const ep = Array.from({ length: keep }, () => ({ s: [] as number[], a: [] as number[], r: [] as number[], d: [] as number[], done: false }));
      let obs = await env.reset();
      while (ep.some((e) => !e.done)) {
        const normObs = normalizer.normalizeObs(obs);
        const mean = tf.tidy(() => policy.sample(tf.tensor2d(normObs, [n, Do]), { deterministic: true, recordChain: false, rng }).actions.dataSync() as Float32Array);
        const raw = normalizer.unnormalizeAction(mean);
        for (let e = 0; e < n; e++) {
          for (let j = 0; j < Da; j++) {
            const a = raw[e * Ta * Da + j] + opts.noise * rng.normal();
            chunk[e * Ta * Da + j] = Math.min(spec.actHigh[j], Math.max(spec.actLow[j], a));
          }
        }
        const res = await env.stepChunk(chunk, Ta);
        for (let e = 0; e < keep; e++) {
          const rec = ep[e];
          if (rec.done) continue;
          for (let j = 0; j < Do; j++) rec.s.push(obs[e * Do + j]);
          for (let j = 0; j < Da; j++) rec.a.push(chunk[e * Ta * Da + j]);
          rec.r.push(res.reward[e]);
          rec.d.push(res.terminated[e]);
          rec.done = res.terminated[e] === 1 || res.truncated[e] === 1;
        }
        obs = res.obs;
      }
      for (const rec of ep) {
        states.push(...rec.s);
        actions.push(...rec.a);
        rewards.push(...rec.r);
        terminals.push(...rec.d);
        lengths.push(rec.r.length);
        returns.push(rec.r.reduce((x, y) => x + y, 0));
      }
      opts.onProgress?.(lengths.length);
    }
  } finally {
    await env.dispose();
    policy.dispose();
  }
  return {
    obsDim: Do,
    actDim: Da,
    states: Float32Array.from(states),
    actions: Float32Array.from(actions),
    trajLengths: Int32Array.from(lengths),
    rewards: Float32Array.from(rewards),
    terminals: Uint8Array.from(terminals),
    returns: Float64Array.from(returns),
  };
}
