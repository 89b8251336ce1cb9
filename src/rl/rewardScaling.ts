/**
 * Running return-std reward scaling (spec/dppo-reference.md §4.3; DPPO `util/reward_scaling.py`).
 *
 * Shape legend: T = nSteps (chunk steps per iteration), n = nEnvs. Flat arrays are row-major [T, n]
 * (index t·n + e), the layout of the rollout buffer.
 *
 * Per env a discounted running return R_t = r_t + (1 − first_t)·γ_s·R_{t−1} is carried across
 * iterations; the running variance of all R_t (pooled over envs) sets the reward scale. Rewards are
 * divided by sqrt(var + ε) and clipped to ±clip; the mean is NOT subtracted.
 */
import { InternalError, UserError } from '../core/errors';

export interface RunningRewardScalerOptions {
  /** The scaler's own discount γ_s (0.99 in every config; independent of train.gamma). */
  gamma?: number;
  /** Clip of the scaled rewards (`cliprew`, 10). */
  clip?: number;
  /** ε inside sqrt(var + ε) (1e-8). */
  epsilon?: number;
}

/** Serialisable scaler state (for checkpoints / resume). */
export interface RunningRewardScalerState {
  mean: number;
  var: number;
  count: number;
  /** Running return per env, [n]. */
  ret: number[];
}

/** Running mean / variance with the parallel (Chan et al.) update DPPO uses (spec §4.3). */
export class RunningMeanStd {
  mean = 0;
  var = 1;
  /** Starts at 1e-4 so the first update is dominated by the batch. */
  count = 1e-4;

  /** Pools `xs` as one batch: batch mean and POPULATION variance (numpy `np.var`). */
  update(xs: ArrayLike<number>): void {
    const m = xs.length;
    if (m === 0) return;
    let sum = 0;
    for (let i = 0; i < m; i++) sum += xs[i];
    const bMean = sum / m;
    let ss = 0;
    for (let i = 0; i < m; i++) ss += (xs[i] - bMean) ** 2;
    this.updateFromMoments(bMean, ss / m, m);
  }

  /** new var = (var·n + bvar·m + δ²·n·m/(n+m)) / (n+m−1), with δ = bmean − mean (spec §4.3). */
  updateFromMoments(bMean: number, bVar: number, m: number): void {
    const n = this.count;
    const tot = n + m;
    const delta = bMean - this.mean;
    this.mean += (delta * m) / tot;
    this.var = (this.var * n + bVar * m + (delta * delta * n * m) / tot) / (tot - 1);
    this.count = tot;
  }
}

export class RunningRewardScaler {
  readonly nEnvs: number;
  readonly gamma: number;
  readonly clip: number;
  readonly epsilon: number;
  readonly rms = new RunningMeanStd();
  /** Running discounted return per env, [n], carried across iterations. Float64 like numpy. */
  private ret: Float64Array;

  constructor(nEnvs: number, opts: RunningRewardScalerOptions = {}) {
    if (!Number.isInteger(nEnvs) || nEnvs < 1) throw new UserError(`RunningRewardScaler needs nEnvs ≥ 1, got ${nEnvs}.`);
    this.nEnvs = nEnvs;
    this.gamma = opts.gamma ?? 0.99;
    this.clip = opts.clip ?? 10;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.ret = new Float64Array(nEnvs);
  }

  /**
   * Updates the running statistics with this iteration's returns and returns the scaled rewards.
   * rewards [T, n] (raw chunk rewards), firsts [T, n] = the rollout's firsts[0..T−1] (1 where an episode
   * starts at that step; spec §4.3 "firsts shifted to the start of each step") → scaled rewards [T, n].
   */
  scale(rewards: Float32Array, firsts: Uint8Array): Float32Array {
    const n = this.nEnvs;
    if (rewards.length % n !== 0 || firsts.length !== rewards.length) {
      throw new InternalError(`Reward scaler expects rewards and firsts of shape [nSteps, ${n}]; got ${rewards.length} and ${firsts.length} values.`);
    }
    const T = rewards.length / n;
    const rets = new Float64Array(T * n);
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < n; e++) {
        const i = t * n + e;
        const r = rewards[i] + (1 - firsts[i]) * this.gamma * this.ret[e];
        this.ret[e] = r;
        rets[i] = r;
      }
    }
    this.rms.update(rets);
    return this.transform(rewards);
  }

  /** rewards / sqrt(var + ε), clipped to ±clip, with the current statistics (no update). */
  transform(rewards: Float32Array): Float32Array {
    const denom = Math.sqrt(this.rms.var + this.epsilon);
    const out = new Float32Array(rewards.length);
    for (let i = 0; i < rewards.length; i++) {
      out[i] = Math.min(this.clip, Math.max(-this.clip, rewards[i] / denom));
    }
    return out;
  }

  getState(): RunningRewardScalerState {
    return { mean: this.rms.mean, var: this.rms.var, count: this.rms.count, ret: Array.from(this.ret) };
  }

  loadState(state: RunningRewardScalerState): void {
    if (state.ret.length !== this.nEnvs) {
      throw new UserError(`Reward-scaler state has ${state.ret.length} envs but this run has ${this.nEnvs}.`);
    }
    this.rms.mean = state.mean;
    this.rms.var = state.var;
    this.rms.count = state.count;
    this.ret = Float64Array.from(state.ret);
  }
}
