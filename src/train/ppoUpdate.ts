/**
 * The two data passes of a PPO iteration, kept out of the main loop for readability:
 * 1. values V(s) and old log-probs of every (env sample, denoising step) pair under the pre-update actor
 *    (spec/dppo-reference.md §4.3), batched by `logprobBatchSize`;
 * 2. one minibatch step (spec §4.5–4.7): gather items, per-minibatch advantage normalisation (unbiased std),
 *    denoising discount γ_den^t, clipped surrogate with per-step ε, value loss, one AdamW step each for the
 *    actor (unless in critic warm-up) and the critic. With `maxGradNorm` > 0 the actor's gradients are first
 *    clipped to that global L2 norm (torch.nn.utils.clip_grad_norm_ over actor_ft's parameters, as the
 *    reference's train_ppo_diffusion_agent.py does; spec §4.7). The reference never clips the critic, and
 *    neither do we; the critic's norm is reported so a researcher can see its scale.
 *
 * Legend: N env samples, P items per sample (K′ for DPPO), L chain length, Ta·Da chunk, M minibatch.
 */
import * as tf from '@tensorflow/tfjs';
import type { FinetuneConfig } from '../config/finetune';
import { clipGradNorm, globalGradNorm, type AdamW } from '../policy/adamw';
import type { Critic, Policy } from '../policy/types';
import { ppoLoss, prepareMinibatch } from '../rl/ppoLoss';
import type { RolloutBuffer } from './rollout';

/** What the update reads of a rollout (so callers and tests need not build a whole RolloutBuffer). */
export type UpdateSamples = Pick<RolloutBuffer, 'nSteps' | 'nEnvs' | 'obsDim' | 'chainLength' | 'chunkSize' | 'obs' | 'chains' | 'finalObs'>;

export interface UpdateBatch {
  buf: UpdateSamples;
  /** [N] GAE advantages (T-major, as the buffer). */
  advantages: Float32Array;
  /** [N] */
  returns: Float32Array;
  /** [N·P] reduced old log-probs, item index = j·P + i. */
  oldLogp: Float32Array;
  /** [P] ε_i */
  clipCoefs: Float32Array;
  /** γ_den (`gamma_denoising`). */
  gammaDenoising: number;
  P: number;
  Ta: number;
  Da: number;
}

export interface MinibatchStats {
  pgLoss: number;
  vLoss: number;
  approxKl: number;
  clipfrac: number;
  /** ‖∇θ actor‖₂ before clipping; 0 when the actor is not updated (critic warm-up). */
  actorGradNorm: number;
  /** ‖∇φ critic‖₂ (never clipped, as in the reference). */
  criticGradNorm: number;
  /** 1 when the actor's gradients were scaled down by `maxGradNorm` in this step, else 0 (mean = clip fraction). */
  actorGradClipped: number;
}

/** Gathers obs/prev/next/step index for item ids (j·P + i) into fresh arrays. */
function gatherItems(buf: UpdateSamples, ids: ArrayLike<number>, P: number) {
  const M = ids.length;
  const { obsDim: Do, chunkSize: C, chainLength: L } = buf;
  const obs = new Float32Array(M * Do);
  const prev = new Float32Array(M * C);
  const next = new Float32Array(M * C);
  const step = new Int32Array(M);
  for (let m = 0; m < M; m++) {
    const j = Math.floor(ids[m] / P);
    const i = ids[m] - j * P;
    obs.set(buf.obs.subarray(j * Do, (j + 1) * Do), m * Do);
    const base = j * L * C;
    // Diffusion: chain[i] → chain[i+1]; Gaussian/GMM (L = 1): prev is unused, next = the action.
    const from = L > 1 ? i : 0;
    const to = L > 1 ? i + 1 : 0;
    prev.set(buf.chains.subarray(base + from * C, base + (from + 1) * C), m * C);
    next.set(buf.chains.subarray(base + to * C, base + (to + 1) * C), m * C);
    step[m] = i;
  }
  return { obs, prev, next, step };
}

/** V for all stored obs and the bootstrap obs, and reduced old log-probs for all N·P items. */
export async function computeValuesAndLogProbs(
  policy: Policy,
  critic: Critic,
  buf: UpdateSamples,
  cfg: Pick<FinetuneConfig, 'logprobBatchSize' | 'minLogprobDenoisingStd'>,
): Promise<{ values: Float32Array; nextValues: Float32Array; oldLogp: Float32Array }> {
  const N = buf.nSteps * buf.nEnvs;
  const P = policy.ppoStepsPerSample;
  const { obsDim: Do } = buf;
  const { horizonSteps: Ta, actionDim: Da, actSteps } = policy.config;
  const values = new Float32Array(N);
  const chunk = Math.max(1, Math.floor(cfg.logprobBatchSize / P));
  for (let s = 0; s < N; s += chunk) {
    const e = Math.min(N, s + chunk);
    const v = tf.tidy(() => critic.value(tf.tensor2d(buf.obs.subarray(s * Do, e * Do), [e - s, Do])));
    values.set((await v.data()) as Float32Array, s);
    v.dispose();
  }
  const nv = tf.tidy(() => critic.value(tf.tensor2d(buf.finalObs, [buf.nEnvs, Do])));
  const nextValues = (await nv.data()) as Float32Array;
  nv.dispose();

  const items = N * P;
  const oldLogp = new Float32Array(items);
  const ids = new Int32Array(items);
  for (let k = 0; k < items; k++) ids[k] = k;
  const lpChunk = Math.max(1, cfg.logprobBatchSize);
  for (let s = 0; s < items; s += lpChunk) {
    const e = Math.min(items, s + lpChunk);
    const g = gatherItems(buf, ids.subarray(s, e), P);
    const M = e - s;
    const lp = tf.tidy(() =>
      policy.logProb(
        tf.tensor2d(g.obs, [M, Do]),
        tf.tensor3d(g.prev, [M, Ta, Da]),
        tf.tensor3d(g.next, [M, Ta, Da]),
        tf.tensor1d(g.step, 'int32'),
        { minLogprobDenoisingStd: cfg.minLogprobDenoisingStd, actSteps },
      ),
    );
    oldLogp.set((await lp.data()) as Float32Array, s);
    lp.dispose();
  }
  return { values, nextValues, oldLogp };
}

/**
 * One PPO minibatch step over item ids (spec §4.6); returns the minibatch diagnostics. `actorOpt` null = critic
 * warm-up (the actor's gradients are neither computed nor applied). Reads `vfCoef`, `minLogprobDenoisingStd`
 * and `maxGradNorm` (0 = no clipping) from `cfg`.
 */
export function ppoMinibatchStep(
  policy: Policy,
  critic: Critic,
  batch: UpdateBatch,
  ids: Int32Array,
  cfg: Pick<FinetuneConfig, 'vfCoef' | 'minLogprobDenoisingStd' | 'maxGradNorm'>,
  actorOpt: AdamW | null,
  criticOpt: AdamW,
): MinibatchStats {
  const d = minibatchStep(policy, critic, batch, ids, cfg, actorOpt, criticOpt);
  try {
    return statsOf(d.dataSync());
  } finally {
    d.dispose();
  }
}

/**
 * ppoMinibatchStep with the diagnostics read asynchronously: what the training loop uses, because a
 * synchronous read of GPU data is slow on WebGL and unsafe on WebGPU (policy/tfSetup.ts syncReadIsUnsafe).
 */
export async function ppoMinibatchStepAsync(
  policy: Policy,
  critic: Critic,
  batch: UpdateBatch,
  ids: Int32Array,
  cfg: Pick<FinetuneConfig, 'vfCoef' | 'minLogprobDenoisingStd' | 'maxGradNorm'>,
  actorOpt: AdamW | null,
  criticOpt: AdamW,
): Promise<MinibatchStats> {
  const d = minibatchStep(policy, critic, batch, ids, cfg, actorOpt, criticOpt);
  try {
    return statsOf(await d.data());
  } finally {
    d.dispose();
  }
}

function statsOf(d: ArrayLike<number>): MinibatchStats {
  const [pgLoss, vLoss, approxKl, clipfrac, actorGradNorm, criticGradNorm, actorGradClipped] = Array.from(d);
  return { pgLoss, vLoss, approxKl, clipfrac, actorGradNorm, criticGradNorm, actorGradClipped };
}

/** The step itself; returns the 7 diagnostics [pg, v, kl, clipfrac, ‖∇actor‖, ‖∇critic‖, clipped] (caller disposes). */
function minibatchStep(
  policy: Policy,
  critic: Critic,
  batch: UpdateBatch,
  ids: Int32Array,
  cfg: Pick<FinetuneConfig, 'vfCoef' | 'minLogprobDenoisingStd' | 'maxGradNorm'>,
  actorOpt: AdamW | null,
  criticOpt: AdamW,
): tf.Tensor1D {
  const { buf, P, Ta, Da } = batch;
  const M = ids.length;
  const Do = buf.obsDim;
  const g = gatherItems(buf, ids, P);
  const rawAdv = new Float32Array(M);
  const ret = new Float32Array(M);
  const old = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    const j = Math.floor(ids[m] / P);
    rawAdv[m] = batch.advantages[j];
    ret[m] = batch.returns[j];
    old[m] = batch.oldLogp[ids[m]];
  }
  // Per-minibatch normalisation (unbiased std), denoising discount γ_den^t and per-step ε_i (spec §4.6 steps 2, 3, 5).
  const { advantages: adv, clipCoef: clip } = prepareMinibatch(rawAdv, g.step, batch.clipCoefs, batch.gammaDenoising);

  const actorVars = actorOpt ? policy.trainableVariables() : [];
  const criticVars = critic.trainableVariables();
  const maxGradNorm = cfg.maxGradNorm > 0 ? cfg.maxGradNorm : 0;
  // Diagnostics are kept out of variableGrads' internal tidy, read once (one sync), then disposed.
  let diag: tf.Tensor1D | null = null;
  tf.tidy(() => {
    const obsT = tf.tensor2d(g.obs, [M, Do]);
    const prevT = tf.tensor3d(g.prev, [M, Ta, Da]);
    const nextT = tf.tensor3d(g.next, [M, Ta, Da]);
    const stepT = tf.tensor1d(g.step, 'int32');
    const advT = tf.tensor1d(adv);
    const retT = tf.tensor1d(ret);
    const oldT = tf.tensor1d(old);
    const clipT = tf.tensor1d(clip);
    let lossDiag: tf.Tensor1D | null = null;
    const { grads } = tf.variableGrads(() => {
      const newLogp = policy.logProb(obsT, prevT, nextT, stepT, { minLogprobDenoisingStd: cfg.minLogprobDenoisingStd, actSteps: policy.config.actSteps });
      const v = critic.value(obsT);
      const parts = ppoLoss({ newLogp, oldLogp: oldT, advantages: advT, clipCoef: clipT, values: v, returns: retT, vfCoef: cfg.vfCoef });
      lossDiag = tf.keep(tf.stack([parts.pgLoss, parts.vLoss, parts.approxKl, parts.clipfrac]) as tf.Tensor1D);
      return parts.loss as tf.Scalar;
    }, [...actorVars, ...criticVars]);
    const actorGrads = pick(grads, actorVars);
    const criticGrads = pick(grads, criticVars);
    let actorNorm = tf.scalar(0);
    let clipped = tf.scalar(0);
    if (actorOpt) {
      let step = actorGrads;
      if (maxGradNorm > 0) {
        const c = clipGradNorm(actorGrads, maxGradNorm);
        step = c.grads;
        actorNorm = c.norm;
        // clip_grad_norm_'s factor max/(‖g‖ + 1e-6) is below 1 exactly when ‖g‖ + 1e-6 > max.
        clipped = tf.cast(tf.greater(tf.add(actorNorm, 1e-6), maxGradNorm), 'float32') as tf.Scalar;
      } else {
        actorNorm = globalGradNorm(actorGrads);
      }
      actorOpt.step(step);
    }
    const criticNorm = globalGradNorm(criticGrads);
    criticOpt.step(criticGrads);
    const parts = lossDiag as unknown as tf.Tensor1D;
    diag = tf.keep(tf.concat([parts, tf.stack([actorNorm, criticNorm, clipped])]) as tf.Tensor1D);
    parts.dispose();
  });
  return diag as unknown as tf.Tensor1D;
}

/** The gradients of `vars` (by variable name) out of tf.variableGrads' map. */
function pick(grads: tf.NamedTensorMap, vars: tf.Variable[]): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const v of vars) if (grads[v.name] !== undefined) out[v.name] = grads[v.name];
  return out;
}
