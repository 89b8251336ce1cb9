/**
 * Generalised advantage estimation over env (chunk) steps (spec/dppo-reference.md §4.4).
 *
 * Shape legend: T = nSteps (chunk steps per iteration), n = nEnvs. Flat arrays are row-major [T, n]
 * (index t·n + e), the rollout buffer's layout.
 *
 * γ is applied once per CHUNK step (every act_steps env steps). nonterminal = 1 − terminated_t:
 * truncation (time-out) is NOT terminal, so the bootstrap V(s_{t+1}) is kept — with auto-reset that value
 * belongs to the next episode's first obs, exactly as in the reference.
 */
import { InternalError } from '../core/errors';

export interface GaeInput {
  /** Scaled chunk rewards [T, n]. */
  rewards: Float32Array;
  /** V(s_t) of the stored obs [T, n]. */
  values: Float32Array;
  /** V(final obs after the last step) [n]. */
  nextValue: Float32Array;
  /** 1 where the step ended in a true termination (not a truncation) [T, n]. */
  terminated: ArrayLike<number>;
  /** Discount per chunk step (`gamma`). */
  gamma: number;
  /** GAE λ (`gae_lambda`). */
  lambda: number;
  /** Constant reward multiplier inside δ (`reward_scale_const`, 1). */
  rewardScaleConst: number;
}

export interface GaeOutput {
  /** A_t [T, n] */
  advantages: Float32Array;
  /** R_t = A_t + V(s_t) [T, n] */
  returns: Float32Array;
}

/**
 * Backward over t = T−1 … 0:
 *   δ_t = r_t·c + γ·nextV·nonterminal − V_t;  A_t = δ_t + γ·λ·nonterminal·A_{t+1};  R_t = A_t + V_t.
 */
export function computeGae(input: GaeInput): GaeOutput {
  const { rewards, values, nextValue, terminated, gamma, lambda, rewardScaleConst } = input;
  const n = nextValue.length;
  if (n === 0 || rewards.length % n !== 0 || values.length !== rewards.length || terminated.length !== rewards.length) {
    throw new InternalError(
      `GAE expects rewards, values and terminated of shape [nSteps, nEnvs] and nextValue [nEnvs]; got ${rewards.length}, ${values.length}, ${terminated.length} and ${n} values.`,
    );
  }
  const T = rewards.length / n;
  const advantages = new Float32Array(T * n);
  const returns = new Float32Array(T * n);
  for (let e = 0; e < n; e++) {
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * n + e;
      const nextV = t === T - 1 ? nextValue[e] : values[i + n];
      const nonterminal = 1 - terminated[i];
      const delta = rewards[i] * rewardScaleConst + gamma * nextV * nonterminal - values[i];
      lastGae = delta + gamma * lambda * nonterminal * lastGae;
      advantages[i] = lastGae;
      returns[i] = lastGae + values[i];
    }
  }
  return { advantages, returns };
}
