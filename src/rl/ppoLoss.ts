/**
 * The DPPO clipped objective for one minibatch (spec/dppo-reference.md §4.6; DPPO `PPODiffusion.loss`),
 * plus its pure helpers: per-index clip coefficients, denoising discount, per-minibatch advantage
 * normalisation and explained variance.
 *
 * Shape legend: M minibatch items (one (env sample j, denoising index i) pair each; spec §4.5), K′ = number
 * of fine-tuned denoising steps (1 for Gaussian/GMM). Log-probs here are already REDUCED per item (clamped
 * to [−5, 2], first act_steps rows, mean over (Ta_exec, Da); spec §2.8), as Policy.logProb returns them.
 */
import * as tf from '@tensorflow/tfjs';
import { InternalError, UserError } from '../core/errors';

/**
 * Clip coefficient ε_i for each denoising index i = 0 … K′−1 (spec §4.6 step 5):
 *   u = i/(K′−1);  ε_i = base + (clip − base)·(exp(rate·u) − 1)/(exp(rate) − 1).
 * i = 0 (noisiest fine-tuned step) gets `base`, i = K′−1 (final step) gets `clip`.
 * Guards: K′ = 1 → [clip] (the reference computes 0/0 = NaN there); rate = 0 → the limit, linear in u.
 */
export function clipCoefficients(kPrime: number, base: number, clip: number, rate: number): Float32Array {
  if (!Number.isInteger(kPrime) || kPrime < 1) throw new UserError(`K′ (ftDenoisingSteps) must be an integer ≥ 1, got ${kPrime}.`);
  const out = new Float32Array(kPrime);
  if (kPrime === 1) {
    out[0] = clip;
    return out;
  }
  for (let i = 0; i < kPrime; i++) {
    const u = i / (kPrime - 1);
    const w = rate === 0 ? u : Math.expm1(rate * u) / Math.expm1(rate);
    out[i] = base + (clip - base) * w;
  }
  return out;
}

/** Denoising discount for index i (spec §4.6 step 3): γ_den^(K′−1−i) = γ_den^t; the final step gets 1. */
export function denoisingDiscount(i: number, kPrime: number, gammaDenoising: number): number {
  return gammaDenoising ** (kPrime - 1 - i);
}

/**
 * Per-minibatch advantage normalisation (spec §4.6 step 2): (A − mean)/(std + 1e-8) with the UNBIASED
 * std (torch default, divisor M−1). For M = 1 (torch would give NaN) the std is taken as 0, so A → 0.
 * The quantile clamp that follows in the reference is a no-op with its defaults (0, 1) and is omitted.
 */
export function normalizeAdvantages(advantages: Float32Array): Float32Array {
  const m = advantages.length;
  const out = new Float32Array(m);
  if (m === 0) return out;
  let sum = 0;
  for (let k = 0; k < m; k++) sum += advantages[k];
  const mean = sum / m;
  let ss = 0;
  for (let k = 0; k < m; k++) ss += (advantages[k] - mean) ** 2;
  const std = m > 1 ? Math.sqrt(ss / (m - 1)) : 0;
  for (let k = 0; k < m; k++) out[k] = (advantages[k] - mean) / (std + 1e-8);
  return out;
}

/**
 * Steps 2–3 and 5 of §4.6 for a minibatch: normalised-then-discounted advantages and the per-item clip
 * coefficients. advantages [M] (raw GAE), stepIndex [M] (denoising index i per item), clipByIndex [K′]
 * from clipCoefficients() → { advantages [M], clipCoef [M] }.
 */
export function prepareMinibatch(
  advantages: Float32Array,
  stepIndex: Int32Array,
  clipByIndex: Float32Array,
  gammaDenoising: number,
): { advantages: Float32Array; clipCoef: Float32Array } {
  if (stepIndex.length !== advantages.length) {
    throw new InternalError(`prepareMinibatch: ${advantages.length} advantages but ${stepIndex.length} step indices.`);
  }
  const kPrime = clipByIndex.length;
  const adv = normalizeAdvantages(advantages);
  const clipCoef = new Float32Array(adv.length);
  for (let k = 0; k < adv.length; k++) {
    const i = stepIndex[k];
    if (i < 0 || i >= kPrime) throw new InternalError(`Denoising index ${i} is outside [0, ${kPrime}).`);
    adv[k] *= denoisingDiscount(i, kPrime, gammaDenoising);
    clipCoef[k] = clipByIndex[i];
  }
  return { advantages: adv, clipCoef };
}

type Vec = tf.Tensor1D | Float32Array;

export interface PpoLossInput {
  /** Reduced log-probs under the current actor [M] — differentiable. */
  newLogp: tf.Tensor1D;
  /** Reduced log-probs recorded before the update [M]. */
  oldLogp: Vec;
  /** Normalised and denoising-discounted advantages [M] (see prepareMinibatch). */
  advantages: Vec;
  /** ε_i per item [M]. */
  clipCoef: Vec;
  /** V(obs_j) under the current critic [M] — differentiable. */
  values: tf.Tensor1D;
  /** GAE returns R_j [M]. */
  returns: Vec;
  /** Value-loss weight (`vf_coef`, 0.5). */
  vfCoef: number;
}

export interface PpoLossOutput {
  /** pg + vfCoef·v — the only output that carries gradients. */
  loss: tf.Scalar;
  /** mean(max(−A·r, −A·clip(r, 1−ε, 1+ε))) */
  pgLoss: tf.Scalar;
  /** 0.5·mean((V − R)²) */
  vLoss: tf.Scalar;
  /** k3 estimator mean((r − 1) − log r); diagnostic only. */
  approxKl: tf.Scalar;
  /** mean(|r − 1| > ε_i); diagnostic only. */
  clipfrac: tf.Scalar;
}

const asTensor = (x: Vec): tf.Tensor1D => (x instanceof Float32Array ? tf.tensor1d(x) : x);

/**
 * The clipped PPO loss (spec §4.6 steps 4, 6, 7, 10 and 11; entropy and BC terms are zero by default and
 * left out). All five outputs are new tensors owned by the caller. Inside tf.variableGrads / minimize only
 * `loss` survives the implicit tidy: `tf.keep` the diagnostics there if you want to read them afterwards.
 */
export function ppoLoss(input: PpoLossInput): PpoLossOutput {
  const { newLogp, values, vfCoef } = input;
  return tf.tidy(() => {
    const oldLogp = asTensor(input.oldLogp);
    const adv = asTensor(input.advantages);
    const eps = asTensor(input.clipCoef);
    const ret = asTensor(input.returns);

    const logRatio = tf.sub(newLogp, oldLogp);
    const ratio = tf.exp(logRatio);
    const clipped = tf.minimum(tf.maximum(ratio, tf.sub(1, eps)), tf.add(1, eps));
    const pg1 = tf.mul(tf.neg(adv), ratio);
    const pg2 = tf.mul(tf.neg(adv), clipped);
    const pgLoss = tf.mean(tf.maximum(pg1, pg2)) as tf.Scalar;

    const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(values, ret)))) as tf.Scalar;
    const loss = tf.add(pgLoss, tf.mul(vfCoef, vLoss)) as tf.Scalar;

    // Diagnostics: not part of `loss`, so they contribute no gradient (the reference wraps them in no_grad).
    const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
    const clipfrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), eps), 'float32')) as tf.Scalar;
    return { loss, pgLoss, vLoss, approxKl, clipfrac };
  });
}

/**
 * Explained variance of V against R (spec §4.6 step 11): 1 − var(R − V)/var(R) with population variances
 * (numpy np.var); NaN when var(R) = 0, as in the reference.
 */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const n = returns.length;
  if (values.length !== n) throw new InternalError(`explainedVariance: ${values.length} values but ${n} returns.`);
  if (n === 0) return NaN;
  const variance = (f: (k: number) => number): number => {
    let s = 0;
    for (let k = 0; k < n; k++) s += f(k);
    const mean = s / n;
    let ss = 0;
    for (let k = 0; k < n; k++) ss += (f(k) - mean) ** 2;
    return ss / n;
  };
  const varY = variance((k) => returns[k]);
  if (varY === 0) return NaN;
  return 1 - variance((k) => returns[k] - values[k]) / varY;
}
