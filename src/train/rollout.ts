/**
 * One iteration's rollout (spec/dppo-reference.md §4.1): n_steps chunk steps of all envs, storing the
 * normalised obs before each step, the denoising chain, chunk rewards, terminated flags and firsts.
 *
 * Legend: T = nSteps, n = nEnvs, Do obs dim, L chain length (K′+1 for DPPO, 1 for Gaussian/GMM),
 * Ta horizon steps, Da action dim, Te = actSteps, Dt = the task's trace dim, G = the task's tag count.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { Policy } from '../policy/types';
import type { NormalizedVecEnv } from './normalizedVecEnv';
import type { EnvPath } from './events';

export interface RolloutBuffer {
  nSteps: number;
  nEnvs: number;
  obsDim: number;
  chainLength: number;
  /** Ta·Da */
  chunkSize: number;
  actSteps: number;
  /** [T, n, Do] normalised obs before each chunk step. */
  obs: Float32Array;
  /** [T, n, L, Ta, Da] (empty in deterministic/eval rollouts). */
  chains: Float32Array;
  /** [T, n] raw summed chunk rewards. */
  rewards: Float32Array;
  /** [T, n] */
  terminated: Uint8Array;
  /** [T+1, n]: firsts[t] = 1 when an episode starts at chunk step t. */
  firsts: Uint8Array;
  /** [n, Do] obs after the last step (bootstrap). */
  finalObs: Float32Array;
  /** Dt: values per trace point (the task's trajectory view). */
  traceDim: number;
  /** [T, n, Te, Dt] trace points of every executed sub-step. */
  traces: Float32Array;
  /** Tag keys of the task, in the order of `tags`. */
  tagKeys: readonly string[];
  /** [T, n, G] task tags at the end of each chunk (before auto-reset). */
  tags: Float32Array;
}

export interface RolloutOptions {
  deterministic: boolean;
  minSamplingDenoisingStd: number;
  randnClipValue: number;
  /** Std of Gaussian noise added to the executed normalised actions (`dppo eval --action-noise`). */
  actionNoise?: number;
  /**
   * Sees every sampled action chunk [n, Ta, Da] (normalised) before it reaches the env; throws to stop the
   * rollout (the divergence guard: a NaN action is "training diverged", not an env error).
   */
  checkActions?: (actions: Float32Array) => void;
  /** Called after every chunk step (progress, cooperative pause). */
  onStep?: (t: number) => Promise<void>;
}

/**
 * Runs T chunk steps from `obs0` [n, Do] with `firsts0` [n] and returns the filled buffer; the env is left
 * at the state after the last step (its obs is `finalObs`).
 */
export async function collectRollout(
  policy: Policy,
  venv: NormalizedVecEnv,
  obs0: Float32Array,
  firsts0: Uint8Array,
  nSteps: number,
  rng: Rng,
  opts: RolloutOptions,
): Promise<RolloutBuffer> {
  const n = venv.nEnvs;
  const obsDim = obs0.length / n;
  const { horizonSteps: Ta, actionDim: Da, actSteps } = policy.config;
  const chunkSize = Ta * Da;
  const L = opts.deterministic ? 0 : policy.chainLength;
  const Dt = venv.inner.traceDim;
  const tagKeys = venv.inner.tagKeys;
  const G = tagKeys.length;
  const buf: RolloutBuffer = {
    nSteps,
    nEnvs: n,
    obsDim,
    chainLength: L,
    chunkSize,
    actSteps,
    obs: new Float32Array(nSteps * n * obsDim),
    chains: new Float32Array(nSteps * n * L * chunkSize),
    rewards: new Float32Array(nSteps * n),
    terminated: new Uint8Array(nSteps * n),
    firsts: new Uint8Array((nSteps + 1) * n),
    finalObs: new Float32Array(n * obsDim),
    traceDim: Dt,
    traces: new Float32Array(nSteps * n * actSteps * Dt),
    tagKeys,
    tags: new Float32Array(nSteps * n * G),
  };
  buf.firsts.set(firsts0, 0);
  let obs = obs0;
  for (let t = 0; t < nSteps; t++) {
    buf.obs.set(obs, t * n * obsDim);
    const { actions, chain } = tf.tidy(() => {
      const r = policy.sample(tf.tensor2d(obs, [n, obsDim]), {
        deterministic: opts.deterministic,
        recordChain: !opts.deterministic,
        rng,
        minSamplingDenoisingStd: opts.minSamplingDenoisingStd,
        randnClipValue: opts.randnClipValue,
      });
      return { actions: r.actions, chain: r.chain };
    });
    const actionData = (await actions.data()) as Float32Array;
    if (chain) {
      buf.chains.set((await chain.data()) as Float32Array, t * n * L * chunkSize);
      chain.dispose();
    }
    actions.dispose();
    if (opts.actionNoise) for (let k = 0; k < actionData.length; k++) actionData[k] += opts.actionNoise * rng.normal();
    opts.checkActions?.(actionData);
    const res = await venv.stepChunk(actionData, Ta);
    buf.rewards.set(res.reward, t * n);
    buf.terminated.set(res.terminated, t * n);
    for (let e = 0; e < n; e++) buf.firsts[(t + 1) * n + e] = res.terminated[e] || res.truncated[e] ? 1 : 0;
    buf.traces.set(res.trace, t * n * actSteps * Dt);
    buf.tags.set(res.tags, t * n * G);
    obs = res.obs;
    if (opts.onStep) await opts.onStep(t);
  }
  buf.finalObs.set(obs);
  return buf;
}

/**
 * Per-episode paths of this iteration for the trajectory view (Fig. 9): every episode that starts inside
 * the iteration, with its trace points, its tags at the last chunk, whether it ended terminated (a fall),
 * and `success` from the best chunk's mean reward ≥ threshold (spec §4.2).
 */
export function extractPaths(buf: RolloutBuffer, successThreshold: number, maxPaths = 64): EnvPath[] {
  const { nSteps: T, nEnvs: n, actSteps, traceDim: Dt, tagKeys } = buf;
  const G = tagKeys.length;
  const per = actSteps * Dt;
  const paths: EnvPath[] = [];
  if (Dt === 0) return paths;
  for (let e = 0; e < n && paths.length < maxPaths; e++) {
    let start = -1;
    for (let t = 0; t <= T; t++) {
      const isFirst = t < T && buf.firsts[t * n + e] === 1;
      const endsHere = t === T || isFirst;
      if (endsHere && start >= 0 && t > start) {
        const points = new Float32Array((t - start) * per);
        let best = -Infinity;
        for (let s = start; s < t; s++) {
          points.set(buf.traces.subarray((s * n + e) * per, (s * n + e + 1) * per), (s - start) * per);
          best = Math.max(best, buf.rewards[s * n + e] / actSteps);
        }
        const last = (t - 1) * n + e;
        const tags: Record<string, number> = {};
        for (let g = 0; g < G; g++) tags[tagKeys[g]] = buf.tags[last * G + g];
        paths.push({ env: e, points, traceDim: Dt, tags, success: best >= successThreshold, terminated: buf.terminated[last] === 1 });
        if (paths.length >= maxPaths) break;
      }
      if (isFirst) start = t;
    }
  }
  return paths;
}
