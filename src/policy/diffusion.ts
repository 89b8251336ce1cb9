/**
 * DPPO's diffusion policy (spec/dppo-reference.md §2, §3.2, §3.3): an ε-network (any DenoiserNet: DiffusionMLP
 * or Unet1D) with a frozen base actor and, after prepareFinetune(K′), a trainable copy `actor_ft` used for the
 * last K′ denoising steps (§2.6). `DiffusionPolicy` holds all the diffusion logic; `DiffusionMlpPolicy` and
 * `DiffusionUnetPolicy` only pick the network.
 *
 * Shape legend: B batch, M PPO items, K denoising steps, K′ fine-tuned steps, S DDIM steps, L = K′+1 chain
 * length, Ta horizon, Da action dim, To cond steps, Do obs dim. Observations are passed flattened [B, To·Do].
 *
 * Weight keys (§3.6): before fine-tuning `network.*`; after prepareFinetune also `actor.*` (= the frozen base,
 * duplicated like DPPO's state dict) and `actor_ft.*`. Loading accepts a pre-training checkpoint
 * (`network.*`) or a fine-tuning one (`actor.*` + `actor_ft.*`, after prepareFinetune).
 */
import * as tf from '@tensorflow/tfjs';
import { ftStepsMessage, RANDN_CLIP_VALUE_DEFAULT } from '../config/finetune';
import type { DiffusionConfig, DiffusionMlpConfig, DiffusionUnetConfig } from '../config/model';
import { InternalError, UserError } from '../core/errors';
import { Rng } from '../core/rng';
import { copyParams, exportParams, loadParams, type NamedWeights } from './nn';
import type { DenoiserNet } from './denoiser';
import { DiffusionMlpNet } from './mlpDenoiser';
import { ddpmPlan, ddimPlan, runChain, samplingStd, type StepPlan } from './sampler';
import { makeSchedule, type DiffusionSchedule } from './schedule';
import type { LogProbOptions, Policy, SampleOptions, SampleResult } from './types';
import { Unet1DNet } from './unet1d';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** idx int32 [N] → float32 one-hot [N, depth]. (The wasm OneHot kernel writes int bits for float32 output.) */
function oneHotFloat(idx: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(idx, 'int32'), depth), 'float32') as tf.Tensor2D;
}

/** Builds one ε-network from a seeded Rng (the base actor, and later its fine-tuned copy). */
export type DenoiserFactory<Net extends DenoiserNet> = (rng: Rng) => Net;

export class DiffusionPolicy<Net extends DenoiserNet = DenoiserNet> implements Policy {
  readonly schedule: DiffusionSchedule;
  /** The pre-trained network (`network` / frozen `actor`). */
  readonly base: Net;
  /** The fine-tuned copy (`actor_ft`); null until prepareFinetune or a fine-tuned checkpoint is loaded. */
  private ft: Net | null = null;
  private ftSteps = 0;
  /** Where the per-step update runs: undefined = decide by backend (host on wasm/cpu; see sampler.ts). */
  hostUpdate: boolean | undefined = undefined;

  constructor(
    readonly config: DiffusionConfig,
    rng: Rng,
    private readonly makeNet: DenoiserFactory<Net>,
  ) {
    if (config.ddimSteps !== undefined) {
      if (!Number.isInteger(config.ddimSteps) || config.ddimSteps < 1 || config.ddimSteps > config.denoisingSteps) {
        throw new UserError(`ddimSteps must be an integer in [1, ${config.denoisingSteps}]; got ${config.ddimSteps}.`);
      }
    }
    if (config.actSteps > config.horizonSteps) throw new UserError(`actSteps (${config.actSteps}) cannot exceed horizonSteps (${config.horizonSteps}).`);
    this.schedule = makeSchedule(config.denoisingSteps);
    this.base = makeNet(rng);
  }

  /** The fine-tuned network (`actor_ft`), or null before prepareFinetune. */
  get actorFt(): Net | null {
    return this.ft;
  }

  /** K′ (0 before prepareFinetune). */
  get ftDenoisingSteps(): number {
    return this.ftSteps;
  }

  get ppoStepsPerSample(): number {
    return this.ftSteps;
  }

  get chainLength(): number {
    return this.ftSteps + 1;
  }

  /** Number of reverse steps a chain runs: S with DDIM, else K. */
  get samplingSteps(): number {
    return this.config.ddimSteps ?? this.config.denoisingSteps;
  }

  private get isDdim(): boolean {
    return this.config.ddimSteps !== undefined;
  }

  /** Reverse steps in sampling order for this mode (DDIM eval uses η = 0; §2.5). */
  plan(deterministic: boolean, ftSteps = this.ftSteps): StepPlan[] {
    if (!this.isDdim) return ddpmPlan(this.schedule, ftSteps);
    const eta = deterministic ? 0 : (this.config.ddimEta ?? 1);
    return ddimPlan(this.schedule, this.samplingSteps, ftSteps, eta);
  }

  /**
   * Freezes the base actor and makes `actor_ft` a trainable copy of it used for the last K′ steps (§2.6).
   * If actor_ft already exists (e.g. loaded from a fine-tuning checkpoint) only K′ changes.
   */
  prepareFinetune(ftDenoisingSteps: number): void {
    const max = this.samplingSteps;
    if (!Number.isInteger(ftDenoisingSteps) || ftDenoisingSteps < 1 || ftDenoisingSteps > max) {
      throw new UserError(ftStepsMessage(max, this.isDdim, ftDenoisingSteps));
    }
    if (this.ft === null) {
      this.ft = this.makeNet(new Rng(0));
      copyParams(this.base.params(), this.ft.params());
    }
    for (const v of this.base.variables()) v.trainable = false;
    this.ftSteps = ftDenoisingSteps;
  }

  /** obs [B, To·Do] → actions [B, Ta, Da] (+ chain [B, K′+1, Ta, Da], + allSteps [K+1 or S+1, B, Ta, Da]). */
  sample(obs: tf.Tensor2D, opts: SampleOptions): SampleResult {
    this.checkObs(obs);
    const useFt = this.ft !== null && !opts.useBaseActor;
    const mode = { deterministic: opts.deterministic, minSamplingDenoisingStd: opts.minSamplingDenoisingStd ?? 0.1 };
    const plan = this.plan(opts.deterministic, useFt ? this.ftSteps : 0);
    const stds = plan.map((_, i) => samplingStd(plan, i, mode, this.isDdim));
    return runChain({
      obs,
      plan,
      stds,
      base: this.base,
      ft: useFt ? this.ft : null,
      denoisedClipValue: this.config.denoisedClipValue,
      randnClipValue: opts.randnClipValue ?? RANDN_CLIP_VALUE_DEFAULT,
      seed: opts.rng.seed(),
      horizonSteps: this.config.horizonSteps,
      actionDim: this.config.actionDim,
      chainFrom: opts.recordChain ? plan.length - this.ftSteps - 1 : null,
      recordAllSteps: opts.recordAllSteps ?? false,
    }, this.hostUpdate);
  }

  /**
   * Reduced log-prob of PPO items (§2.8): item i is chain[i] → chain[i+1] at fine-tuned step i (DDPM
   * t = K′−1−i). obs [M, To·Do], prev/next [M, Ta, Da], stepIndex int32 [M] → [M]. Uses actor_ft.
   */
  logProb(obs: tf.Tensor2D, prev: tf.Tensor3D, next: tf.Tensor3D, stepIndex: tf.Tensor1D, opts: LogProbOptions): tf.Tensor1D {
    this.checkObs(obs);
    const net = this.ft ?? this.base;
    const K1 = this.ftSteps;
    if (K1 < 1) throw new InternalError('logProb needs fine-tuned steps: call prepareFinetune(K′) first.');
    const { horizonSteps: Ta, actionDim: Da } = this.config;
    const actSteps = opts.actSteps;
    if (actSteps < 1 || actSteps > Ta) throw new InternalError(`actSteps must be in [1, ${Ta}]; got ${actSteps}.`);
    const plan = this.plan(false);
    const items = plan.slice(plan.length - K1);
    // Per-item constants, one row per fine-tuned step i: sr, srm1, c1, c2, 1/(2·std²), log std.
    const table = new Float32Array(K1 * 6);
    items.forEach((p, i) => {
      const std = Math.max(p.std, opts.minLogprobDenoisingStd);
      table.set([p.sr, p.srm1, p.c1, p.c2, 1 / (2 * std * std), Math.log(std) + HALF_LOG_2PI], i * 6);
    });
    const clip = this.config.denoisedClipValue;
    return tf.tidy(() => {
      const M = obs.shape[0];
      const flat = Ta * Da;
      // Row lookups as one-hot matMuls: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
      const onehot = oneHotFloat(stepIndex, K1);
      const consts = tf.matMul(onehot, tf.tensor2d(table, [K1, 6]));
      const [sr, srm1, c1, c2, inv2var, logNorm] = tf.split(consts, 6, 1);
      const temb = tf.matMul(onehot, net.timeFeatures(items.map((p) => p.t))) as tf.Tensor2D;
      const x = tf.reshape(prev, [M, flat]) as tf.Tensor2D;
      const xn = tf.reshape(next, [M, flat]);
      const eps = net.forward(x, temb, obs);
      const x0 = tf.clipByValue(tf.sub(tf.mul(x, sr), tf.mul(eps, srm1)), -clip, clip);
      const mu = tf.add(tf.mul(x0, c1), tf.mul(x, c2));
      const lp = tf.sub(tf.neg(tf.mul(tf.square(tf.sub(xn, mu)), inv2var)), logNorm);
      const kept = tf.slice(tf.reshape(tf.clipByValue(lp, -5, 2), [M, Ta, Da]), [0, 0, 0], [M, actSteps, Da]);
      return tf.mean(kept, [1, 2]) as tf.Tensor1D;
    });
  }

  /** ε-prediction MSE with t ~ U{0..K−1} per sample (§2.2) on the base network: obs [B, To·Do], actions [B, Ta, Da]. */
  bcLoss(obs: tf.Tensor2D, actions: tf.Tensor3D, rng: Rng): tf.Scalar {
    this.checkObs(obs);
    const B = obs.shape[0];
    const K = this.config.denoisingSteps;
    const flat = this.base.actFlat;
    const ts = new Int32Array(B);
    const a = new Float32Array(B);
    const b = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      ts[i] = rng.int(K);
      a[i] = this.schedule.sqrtAlphasCumprod[ts[i]];
      b[i] = this.schedule.sqrtOneMinusAlphasCumprod[ts[i]];
    }
    const seed = rng.seed();
    return tf.tidy(() => {
      const eps = tf.randomNormal([B, flat], 0, 1, 'float32', seed);
      const x0 = tf.reshape(actions, [B, flat]);
      const xt = tf.add(tf.mul(x0, tf.tensor2d(a, [B, 1])), tf.mul(eps, tf.tensor2d(b, [B, 1]))) as tf.Tensor2D;
      const allT = Array.from({ length: K }, (_, t) => t);
      const onehot = oneHotFloat(tf.tensor1d(ts, 'int32'), K);
      const temb = tf.matMul(onehot, this.base.timeFeatures(allT)) as tf.Tensor2D;
      const pred = this.base.forward(xt, temb, obs);
      return tf.mean(tf.square(tf.sub(pred, eps))) as tf.Scalar;
    });
  }

  trainableVariables(): tf.Variable[] {
    if (this.ft === null) throw new InternalError('The diffusion policy has no fine-tuned actor yet: call prepareFinetune(K′) first.');
    return this.ft.variables();
  }

  pretrainVariables(): tf.Variable[] {
    return this.base.variables();
  }

  namedWeights(): NamedWeights {
    const out: NamedWeights = new Map();
    exportParams(this.base.params(), 'network.', out);
    if (this.ft !== null) {
      exportParams(this.base.params(), 'actor.', out);
      exportParams(this.ft.params(), 'actor_ft.', out);
    }
    return out;
  }

  /** True when `weights` hold a fine-tuned actor (`actor_ft.*`). */
  static hasFinetunedActor(weights: NamedWeights): boolean {
    for (const k of weights.keys()) if (k.startsWith('actor_ft.')) return true;
    return false;
  }

  loadNamedWeights(weights: NamedWeights): void {
    const hasActor = [...weights.keys()].some((k) => k.startsWith('actor.'));
    loadParams(this.base.params(), weights, hasActor ? 'actor.' : 'network.');
    if (DiffusionPolicy.hasFinetunedActor(weights)) {
      if (this.ft === null) throw new InternalError('These weights include a fine-tuned actor (actor_ft.*): call prepareFinetune(K′) before loading them.');
      loadParams(this.ft.params(), weights, 'actor_ft.');
    } else if (this.ft !== null) {
      copyParams(this.base.params(), this.ft.params());
    }
  }

  dispose(): void {
    this.base.dispose();
    this.ft?.dispose();
    this.ft = null;
  }

  private checkObs(obs: tf.Tensor2D): void {
    const want = this.base.obsFlat;
    if (obs.shape.length !== 2 || obs.shape[1] !== want) {
      throw new InternalError(`Expected observations [B, ${want}], got [${obs.shape.join(', ')}].`);
    }
  }
}

/** DPPO's DiffusionMLP actor (§3.2). */
export class DiffusionMlpPolicy extends DiffusionPolicy<DiffusionMlpNet> {
  constructor(config: DiffusionMlpConfig, rng: Rng) {
    super(config, rng, (r) => new DiffusionMlpNet(config, r));
  }
}

/** DPPO's Unet1D actor (§3.3). */
export class DiffusionUnetPolicy extends DiffusionPolicy<Unet1DNet> {
  constructor(config: DiffusionUnetConfig, rng: Rng) {
    super(config, rng, (r) => new Unet1DNet(config, r));
  }
}
