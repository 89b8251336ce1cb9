/**
 * One iteration's rollout (spec/dppo-reference.md §4.1): n_steps chunk steps of all envs, storing the
 * normalised obs before each step, the denoising chain, chunk rewards, terminated flags and firsts.
 *
 * Legend: T = nSteps, n = nEnvs, Do obs dim, L chain length (K′+1 for DPPO, 1 for Gaussian/GMM),
 * Ta horizon steps, Da action dim, Te = actSteps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import type { Policy } from '../policy/types';
import type { VectorEnv } from '../sim/vectorEnv';
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
  /** [T, n, Te, 2] trace points (Avoid: tip xy). */
  traces: Float32Array;
  /** [T, n] task outcome label at the end of each chunk (Avoid: row-3 mode or −1). */
  modes: Int8Array;
  /** [T, n] collision flag at the end of each chunk. */
  collided: Uint8Array;
}

export interface RolloutOptions {
  deterministic: boolean;
  minSamplingDenoisingStd: number;
  randnClipValue: number;
  /** Std of Gaussian noise added to the executed normalised actions (`dppo eval --action-noise`). */
  actionNoise?: number;
  /** Called after every chunk step (progress, cooperative pause). */
  onStep?: (t: number) => Promise<void>;
}

/**
 * Runs T chunk steps from `obs0` [n, Do] with `firsts0` [n] and returns the filled buffer; the env is left
 * at the state after the last step (its obs is `finalObs`).
 */
export async function collectRollout(
  policy: Policy,
  venv: VectorEnv,
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
    traces: new Float32Array(nSteps * n * actSteps * 2),
    modes: new Int8Array(nSteps * n),
    collided: new Uint8Array(nSteps * n),
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
    const res = venv.stepChunk(actionData, Ta);
    buf.rewards.set(res.reward, t * n);
    buf.terminated.set(res.terminated, t * n);
    for (let e = 0; e < n; e++) {
      buf.firsts[(t + 1) * n + e] = res.terminated[e] || res.truncated[e] ? 1 : 0;
      const info = res.info[e];
      buf.modes[t * n + e] = typeof info.row3Mode === 'number' ? info.row3Mode : -1;
      buf.collided[t * n + e] = info.collided ? 1 : 0;
    }
    if (res.trace) buf.traces.set(res.trace, t * n * actSteps * 2);
    obs = res.obs;
    if (opts.onStep) await opts.onStep(t);
  }
  buf.finalObs.set(obs);
  return buf;
}

/**
 * Per-episode paths of this iteration for the trajectory plot (Fig. 9): every episode that starts inside
 * the iteration, with its trace points, final mode and collision flag; `success` from the best chunk's
 * mean reward ≥ threshold (spec §4.2).
 */
export function extractPaths(buf: RolloutBuffer, successThreshold: number, maxPaths = 64): EnvPath[] {
  const { nSteps: T, nEnvs: n, actSteps } = buf;
  const paths: EnvPath[] = [];
  for (let e = 0; e < n && paths.length < maxPaths; e++) {
    let start = -1;
    for (let t = 0; t <= T; t++) {
      const isFirst = t < T && buf.firsts[t * n + e] === 1;
      const endsHere = t === T || isFirst;
      if (endsHere && start >= 0 && t > start) {
        const points = new Float32Array((t - start) * actSteps * 2);
        let best = -Infinity;
        for (let s = start; s < t; s++) {
          points.set(buf.traces.subarray((s * n + e) * actSteps * 2, (s * n + e + 1) * actSteps * 2), (s - start) * actSteps * 2);
          best = Math.max(best, buf.rewards[s * n + e] / actSteps);
        }
        const last = (t - 1) * n + e;
        paths.push({ env: e, points, mode: buf.modes[last], success: best >= successThreshold, collided: buf.collided[last] === 1 });
        if (paths.length >= maxPaths) break;
      }
      if (isFirst) start = t;
    }
  }
  return paths;
}
