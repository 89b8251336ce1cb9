/**
 * Cosine noise schedule and every derived DDPM/DDIM constant (spec/dppo-reference.md §2.1, §2.5).
 * Computed in float64 (arrays of length K indexed by the integer step t = 0..K−1); callers convert to
 * float32 when uploading. Shape legend: K denoising steps.
 */
import { UserError } from '../core/errors';

export interface DiffusionSchedule {
  /** K */
  K: number;
  /** β_t, clipped to [0, 0.999] */
  betas: Float64Array;
  alphas: Float64Array;
  /** ᾱ_t */
  alphasCumprod: Float64Array;
  /** ᾱ_{t−1}, with ᾱ_{−1} = 1 */
  alphasCumprodPrev: Float64Array;
  sqrtAlphasCumprod: Float64Array;
  sqrtOneMinusAlphasCumprod: Float64Array;
  sqrtRecipAlphasCumprod: Float64Array;
  sqrtRecipm1AlphasCumprod: Float64Array;
  /** β_t(1−ᾱ_{t−1})/(1−ᾱ_t) */
  posteriorVariance: Float64Array;
  /** log(max(var_t, 1e-20)) */
  posteriorLogVarianceClipped: Float64Array;
  /** coefficient of x0_hat in μ: β_t·√ᾱ_{t−1}/(1−ᾱ_t) */
  posteriorMeanCoef1: Float64Array;
  /** coefficient of x_t in μ: (1−ᾱ_{t−1})·√α_t/(1−ᾱ_t) */
  posteriorMeanCoef2: Float64Array;
}

/** Nichol–Dhariwal cosine schedule with s = 0.008 on the grid u_j = j/K (§2.1). */
export function cosineBetaSchedule(K: number, s = 0.008): Float64Array {
  if (!Number.isInteger(K) || K < 1) throw new UserError(`denoisingSteps must be a positive integer; got ${K}.`);
  const f = (u: number): number => Math.cos((((u + s) / (1 + s)) * Math.PI) / 2) ** 2;
  const f0 = f(0);
  const betas = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const aNext = f((k + 1) / K) / f0;
    const aCur = f(k / K) / f0;
    betas[k] = Math.min(Math.max(1 - aNext / aCur, 0), 0.999);
  }
  return betas;
}

/** All constants of §2.1 for K steps. */
export function makeSchedule(K: number): DiffusionSchedule {
  const betas = cosineBetaSchedule(K);
  const make = (): Float64Array => new Float64Array(K);
  const alphas = make();
  const ac = make();
  const acPrev = make();
  const sqrtAc = make();
  const sqrtOm = make();
  const sqrtRecip = make();
  const sqrtRecipm1 = make();
  const postVar = make();
  const postLogVar = make();
  const coef1 = make();
  const coef2 = make();
  let prod = 1;
  for (let t = 0; t < K; t++) {
    alphas[t] = 1 - betas[t];
    acPrev[t] = prod;
    prod *= alphas[t];
    ac[t] = prod;
    sqrtAc[t] = Math.sqrt(ac[t]);
    sqrtOm[t] = Math.sqrt(1 - ac[t]);
    sqrtRecip[t] = Math.sqrt(1 / ac[t]);
    sqrtRecipm1[t] = Math.sqrt(1 / ac[t] - 1);
    postVar[t] = (betas[t] * (1 - acPrev[t])) / (1 - ac[t]);
    postLogVar[t] = Math.log(Math.max(postVar[t], 1e-20));
    coef1[t] = (betas[t] * Math.sqrt(acPrev[t])) / (1 - ac[t]);
    coef2[t] = ((1 - acPrev[t]) * Math.sqrt(alphas[t])) / (1 - ac[t]);
  }
  return {
    K,
    betas,
    alphas,
    alphasCumprod: ac,
    alphasCumprodPrev: acPrev,
    sqrtAlphasCumprod: sqrtAc,
    sqrtOneMinusAlphasCumprod: sqrtOm,
    sqrtRecipAlphasCumprod: sqrtRecip,
    sqrtRecipm1AlphasCumprod: sqrtRecipm1,
    posteriorVariance: postVar,
    posteriorLogVarianceClipped: postLogVar,
    posteriorMeanCoef1: coef1,
    posteriorMeanCoef2: coef2,
  };
}

/**
 * DDIM "leading" timesteps in sampling order (§2.5): step_ratio = ⌊K/ddimSteps⌋, t_i = i·step_ratio reversed.
 * K = 100, ddimSteps = 5 → [80, 60, 40, 20, 0].
 */
export function ddimTimesteps(K: number, ddimSteps: number): Int32Array {
  if (!Number.isInteger(ddimSteps) || ddimSteps < 1 || ddimSteps > K) {
    throw new UserError(`ddimSteps must be an integer in [1, ${K}]; got ${ddimSteps}.`);
  }
  const ratio = Math.floor(K / ddimSteps);
  const out = new Int32Array(ddimSteps);
  for (let i = 0; i < ddimSteps; i++) out[i] = (ddimSteps - 1 - i) * ratio;
  return out;
}

/** DDIM per-step constants, index i in sampling order (§2.5): a = ᾱ[t_i], aPrev = ᾱ[t_{i+1}] (1 for the last). */
export interface DdimStep {
  t: number;
  a: number;
  aPrev: number;
  /** σ at η = 1: sqrt((1−aPrev)/(1−a)·(1 − a/aPrev)); multiply by η (floored at 1e-10 by the caller). */
  sigmaEta1: number;
}

export function ddimSteps(schedule: DiffusionSchedule, ddimStepCount: number): DdimStep[] {
  const ts = ddimTimesteps(schedule.K, ddimStepCount);
  const steps: DdimStep[] = [];
  for (let i = 0; i < ts.length; i++) {
    const a = schedule.alphasCumprod[ts[i]];
    const aPrev = i + 1 < ts.length ? schedule.alphasCumprod[ts[i + 1]] : 1;
    const sigmaEta1 = Math.sqrt(Math.max(((1 - aPrev) / (1 - a)) * (1 - a / aPrev), 0));
    steps.push({ t: ts[i], a, aPrev, sigmaEta1 });
  }
  return steps;
}
