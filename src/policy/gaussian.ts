/**
 * Gaussian-MLP actor for the Gaussian-PPO baseline (spec/dppo-reference.md §3.7, §5; DPPO `Gaussian_MLP`
 * with `learn_fixed_std`): mean = tanh(MLP(obs)) over the whole chunk, std = exp(½·clamp(logvar)) with one
 * learnable logvar per action dim shared across the chunk, clamped to [log stdMin², log stdMax²].
 *
 * Shape legend: B batch, M PPO items, To cond steps, Do obs dim, Ta horizon, Da action dim.
 * Observations are passed flattened [B, To·Do]. The PPO "chain" is just [action]: [B, 1, Ta, Da].
 *
 * Weight keys (PyTorch layout): `network.mlp_mean.layers.*` (ResidualMLP) or `network.mlp_mean.moduleList.*`
 * (plain MLP), `network.logvar` [Da], plus DPPO's constant buffers `network.logvar_min` / `network.logvar_max`
 * (scalars, exported for compatibility, ignored on load — the config's stdMin/stdMax rule).
 *
 * Log-prob (Policy contract, same reduction as DPPO §2.8): element log N clamped to [−5, 2], first actSteps
 * rows, mean over (actSteps, Da). The reference Gaussian-PPO instead means over all Ta·Da and clamps the mean;
 * the two agree whenever no element leaves [−5, 2] and actSteps = Ta (true in every reference config).
 */
import * as tf from '@tensorflow/tfjs';
import { RANDN_CLIP_VALUE_DEFAULT } from '../config/finetune';
import type { GaussianMlpConfig } from '../config/model';
import { InternalError, UserError } from '../core/errors';
import type { Rng } from '../core/rng';
import { makeMlpHead, makeVariable, type MlpHead, type Param } from './nn';
import { NetworkParamsPolicy } from './networkParams';

export { logvarBoundWeights } from './networkParams';
import type { LogProbOptions, Policy, SampleOptions, SampleResult } from './types';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** Clamp of each element log-density in the PPO log-prob (spec §2.8 step 1). */
export const LOGPROB_MIN = -5;
export const LOGPROB_MAX = 2;

/** Element-wise log N(x; μ, σ) = −½((x−μ)/σ)² − log σ − ½ log 2π, with log σ given (broadcasts). */
export function normalLogDensity(x: tf.Tensor, mean: tf.Tensor, logStd: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(x, mean), tf.exp(tf.neg(logStd)));
    return tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), HALF_LOG_2PI);
  });
}

/** Checks the std settings shared by the Gaussian and GMM actors. */
export function checkStdConfig(c: { stdMin: number; stdMax: number; stdInit: number; actSteps: number; horizonSteps: number }): void {
  if (!(c.stdMin > 0 && c.stdMax >= c.stdMin)) throw new UserError(`Need 0 < stdMin ≤ stdMax; got stdMin ${c.stdMin}, stdMax ${c.stdMax}.`);
  if (!(c.stdInit > 0)) throw new UserError(`stdInit must be positive; got ${c.stdInit}.`);
  if (c.actSteps > c.horizonSteps) throw new UserError(`actSteps (${c.actSteps}) cannot exceed horizonSteps (${c.horizonSteps}).`);
}

export class GaussianMlpPolicy extends NetworkParamsPolicy implements Policy {
  readonly ppoStepsPerSample = 1;
  readonly chainLength = 1;
  /** obs [B, To·Do] → pre-tanh mean [B, Ta·Da]. */
  readonly meanNet: MlpHead;
  /** [Da] learnable log-variance (unclamped). */
  readonly logvar: tf.Variable;
  readonly logvarMin: number;
  readonly logvarMax: number;
  private readonly obsFlat: number;

  constructor(
    readonly config: GaussianMlpConfig,
    rng: Rng,
  ) {
    super();
    checkStdConfig(config);
    const { obsDim, condSteps, horizonSteps: Ta, actionDim: Da } = config;
    this.obsFlat = condSteps * obsDim;
    this.meanNet = makeMlpHead('mlp_mean', [this.obsFlat, ...config.mlpDims, Ta * Da], config.activation, config.residualStyle, rng);
    this.logvar = makeVariable('logvar', tf.fill([Da], Math.log(config.stdInit * config.stdInit)));
    this.logvarMin = Math.log(config.stdMin * config.stdMin);
    this.logvarMax = Math.log(config.stdMax * config.stdMax);
  }

  protected params(): Param[] {
    return [...this.meanNet.params(), { key: 'logvar', variable: this.logvar, transposed: false }];
  }

  private checkObs(obs: tf.Tensor2D): void {
    if (obs.shape[1] !== this.obsFlat) throw new InternalError(`Gaussian policy expected observations [B, ${this.obsFlat}], got [${obs.shape.join(', ')}].`);
  }

  /** obs [B, To·Do] → tanh mean [B, Ta, Da]. */
  mean(obs: tf.Tensor2D): tf.Tensor3D {
    this.checkObs(obs);
    const { horizonSteps: Ta, actionDim: Da } = this.config;
    return tf.tidy(() => tf.reshape(tf.tanh(this.meanNet.apply(obs)), [-1, Ta, Da]) as tf.Tensor3D);
  }

  /** log σ per action dim [Da] = ½·clamp(logvar, logvarMin, logvarMax). */
  logStd(): tf.Tensor1D {
    return tf.tidy(() => tf.mul(0.5, tf.clipByValue(this.logvar, this.logvarMin, this.logvarMax)) as tf.Tensor1D);
  }

  /**
   * Training: a = μ + σ·z with z ~ N(0, 1) clamped to ±randnClipValue (DPPO clamps a to μ ± clip·σ).
   * Deterministic: a = μ (the reference uses σ = 1e-4). minSamplingDenoisingStd does not apply.
   */
  sample(obs: tf.Tensor2D, opts: SampleOptions): SampleResult {
    const { horizonSteps: Ta, actionDim: Da } = this.config;
    const clip = opts.randnClipValue ?? RANDN_CLIP_VALUE_DEFAULT;
    const seed = opts.deterministic ? 0 : opts.rng.seed();
    const r = tf.tidy(() => {
      const mu = this.mean(obs);
      let actions = mu;
      if (!opts.deterministic) {
        const z = tf.clipByValue(tf.randomNormal([mu.shape[0], Ta, Da], 0, 1, 'float32', seed), -clip, clip);
        actions = tf.add(mu, tf.mul(tf.exp(this.logStd()), z)) as tf.Tensor3D;
      }
      return { actions, chain: opts.recordChain ? (tf.expandDims(actions, 1) as tf.Tensor4D) : undefined };
    });
    return r.chain ? { actions: r.actions, chain: r.chain } : { actions: r.actions };
  }

  /** Element log-densities of `actions` [B, Ta, Da] under the policy at obs → [B, Ta, Da] (unclamped). */
  elementLogProb(obs: tf.Tensor2D, actions: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => normalLogDensity(actions, this.mean(obs), this.logStd()) as tf.Tensor3D);
  }

  /**
   * Reduced log-prob per item: clamp each element to [−5, 2], keep the first actSteps rows, mean over
   * (actSteps, Da). obs [M, To·Do], next [M, Ta, Da] (the action) → [M]. `prev`, `stepIndex` and the
   * diffusion std floor are unused (there is one item per env sample and σ ≥ stdMin already).
   */
  logProb(obs: tf.Tensor2D, _prev: tf.Tensor3D, next: tf.Tensor3D, _stepIndex: tf.Tensor1D, opts: LogProbOptions): tf.Tensor1D {
    const Da = this.config.actionDim;
    return tf.tidy(() => {
      const lp = tf.clipByValue(this.elementLogProb(obs, next), LOGPROB_MIN, LOGPROB_MAX);
      const kept = tf.slice(lp, [0, 0, 0], [-1, opts.actSteps, Da]);
      return tf.mean(kept, [1, 2]) as tf.Tensor1D;
    });
  }

  /** BC pre-training loss (DPPO GaussianModel.loss): −mean of the unclamped element log-densities over the whole chunk. */
  bcLoss(obs: tf.Tensor2D, actions: tf.Tensor3D, _rng: Rng): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.elementLogProb(obs, actions))) as tf.Scalar);
  }
}
