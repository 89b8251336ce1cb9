/**
 * GMM-MLP actor for the GMM-PPO baseline (spec/dppo-reference.md §3.7, §5; DPPO `GMM_MLP` with
 * `learn_fixed_std`): numModes (K_m) components, each with a tanh mean over the whole chunk and a learnable
 * per-mode, per-action-dim std (clamped like the Gaussian actor, shared across the chunk), mixed by a
 * logits head.
 *
 * Shape legend: B batch, M PPO items, K_m modes, To cond steps, Do obs dim, Ta horizon, Da action dim.
 * Observations are passed flattened [B, To·Do]. The PPO "chain" is just [action]: [B, 1, Ta, Da].
 *
 * Weight keys (PyTorch layout, as DPPO): `network.mlp_mean.*` (output K_m·Ta·Da, mode-major),
 * `network.mlp_weights.*` (output K_m logits), `network.logvar` [K_m·Da] (mode-major), plus the constant
 * scalars `network.logvar_min` / `network.logvar_max` (exported, ignored on load).
 *
 * Log-prob — what we do and why (cite §3.7, §5, §2.8):
 *   ℓ(a) = logsumexp_m( log softmax(logits)_m + Σ_{t < actSteps, d} log N(a_td; μ_mtd, σ_md) )
 * is the exact mixture log-density of the executed prefix (a diagonal mixture's marginal keeps the same
 * weights). We then divide by the number of counted elements actSteps·Da and clamp the result to [−5, 2].
 * The reference (PPO_GMM) uses the whole-chunk mixture log-density UNDIVIDED and clamps that to [−5, 2];
 * for Ta·Da > 1 the sum sits far above 2 near a mode, so the clamp zeroes most of the gradient. Dividing
 * makes the ratio exp(per-dimension log-ratio) like DPPO's and the Gaussian baseline's mean reduction
 * (§2.8 step 3), so the shared clip ε has the same meaning for all three actors. Element-wise clamping is
 * not possible inside a mixture, so the clamp applies to the reduced value.
 * bcLoss = −mean_B of the same per-element-normalised mixture log-density over the whole chunk (Ta rows),
 * unclamped; the reference's −mean log_prob is this times Ta·Da (a constant factor).
 */
import * as tf from '@tensorflow/tfjs';
import { RANDN_CLIP_VALUE_DEFAULT } from '../config/finetune';
import type { GmmMlpConfig } from '../config/model';
import { InternalError, UserError } from '../core/errors';
import type { Rng } from '../core/rng';
import { LOGPROB_MAX, LOGPROB_MIN, checkStdConfig, normalLogDensity } from './gaussian';
import { makeMlpHead, makeVariable, type MlpHead, type Param } from './nn';
import { NetworkParamsPolicy } from './networkParams';
import type { LogProbOptions, Policy, SampleOptions, SampleResult } from './types';


/** The mixture's parameters at a batch of observations. */
export interface GmmParams {
  /** [B, K_m, Ta, Da] tanh means */
  means: tf.Tensor4D;
  /** [1, K_m, 1, Da] log σ (clamped), broadcastable against means */
  logStd: tf.Tensor4D;
  /** [B, K_m] log mixture weights (log-softmax of the logits) */
  logWeights: tf.Tensor2D;
}

export class GmmMlpPolicy extends NetworkParamsPolicy implements Policy {
  readonly ppoStepsPerSample = 1;
  readonly chainLength = 1;
  /** obs → pre-tanh means [B, K_m·Ta·Da] */
  readonly meanNet: MlpHead;
  /** obs → logits [B, K_m] */
  readonly logitsNet: MlpHead;
  /** [K_m·Da] learnable log-variance (unclamped) */
  readonly logvar: tf.Variable;
  readonly logvarMin: number;
  readonly logvarMax: number;
  private readonly obsFlat: number;

  constructor(
    readonly config: GmmMlpConfig,
    rng: Rng,
  ) {
    super();
    checkStdConfig(config);
    if (!Number.isInteger(config.numModes) || config.numModes < 1) throw new UserError(`numModes must be an integer ≥ 1; got ${config.numModes}.`);
    const { obsDim, condSteps, horizonSteps: Ta, actionDim: Da, numModes: Km } = config;
    this.obsFlat = condSteps * obsDim;
    this.meanNet = makeMlpHead('mlp_mean', [this.obsFlat, ...config.mlpDims, Km * Ta * Da], config.activation, config.residualStyle, rng);
    this.logvar = makeVariable('logvar', tf.fill([Km * Da], Math.log(config.stdInit * config.stdInit)));
    this.logitsNet = makeMlpHead('mlp_weights', [this.obsFlat, ...config.mlpDims, Km], config.activation, config.residualStyle, rng);
    this.logvarMin = Math.log(config.stdMin * config.stdMin);
    this.logvarMax = Math.log(config.stdMax * config.stdMax);
  }

  protected params(): Param[] {
    return [...this.meanNet.params(), { key: 'logvar', variable: this.logvar, transposed: false }, ...this.logitsNet.params()];
  }

  /** obs [B, To·Do] → the mixture parameters (see GmmParams). */
  mixture(obs: tf.Tensor2D): GmmParams {
    if (obs.shape[1] !== this.obsFlat) throw new InternalError(`GMM policy expected observations [B, ${this.obsFlat}], got [${obs.shape.join(', ')}].`);
    const { horizonSteps: Ta, actionDim: Da, numModes: Km } = this.config;
    return tf.tidy(() => ({
      means: tf.reshape(tf.tanh(this.meanNet.apply(obs)), [-1, Km, Ta, Da]) as tf.Tensor4D,
      logStd: tf.reshape(tf.mul(0.5, tf.clipByValue(this.logvar, this.logvarMin, this.logvarMax)), [1, Km, 1, Da]) as tf.Tensor4D,
      logWeights: tf.logSoftmax(this.logitsNet.apply(obs)) as tf.Tensor2D,
    }));
  }

  /**
   * Picks a mode per row from softmax(logits) (Gumbel-max with a seeded uniform draw, on device), then
   * a = μ_m + σ_m·z with z ~ N(0, 1) clamped to ±randnClipValue. Deterministic: a = μ_m of the drawn mode —
   * the reference also still draws the mode there and only shrinks σ to 1e-4.
   */
  sample(obs: tf.Tensor2D, opts: SampleOptions): SampleResult {
    const { horizonSteps: Ta, actionDim: Da, numModes: Km } = this.config;
    const clip = opts.randnClipValue ?? RANDN_CLIP_VALUE_DEFAULT;
    const modeSeed = opts.rng.seed();
    const noiseSeed = opts.deterministic ? 0 : opts.rng.seed();
    const r = tf.tidy(() => {
      const { means, logStd, logWeights } = this.mixture(obs);
      const B = means.shape[0];
      const u = tf.randomUniform([B, Km], 1e-12, 1, 'float32', modeSeed);
      const gumbel = tf.neg(tf.log(tf.neg(tf.log(u))));
      const pick = tf.reshape(tf.oneHot(tf.argMax(tf.add(logWeights, gumbel), 1), Km), [B, Km, 1, 1]);
      const mu = tf.sum(tf.mul(means, pick), 1) as tf.Tensor3D;
      let actions = mu;
      if (!opts.deterministic) {
        const std = tf.sum(tf.mul(tf.exp(logStd), pick), 1) as tf.Tensor3D;
        const z = tf.clipByValue(tf.randomNormal([B, Ta, Da], 0, 1, 'float32', noiseSeed), -clip, clip);
        actions = tf.add(mu, tf.mul(std, z)) as tf.Tensor3D;
      }
      return { actions, chain: opts.recordChain ? (tf.expandDims(actions, 1) as tf.Tensor4D) : undefined };
    });
    return r.chain ? { actions: r.actions, chain: r.chain } : { actions: r.actions };
  }

  /**
   * Mixture log-density of the first `rows` chunk rows divided by rows·Da (see the file comment):
   * obs [B, To·Do], actions [B, Ta, Da] → [B], unclamped.
   */
  normalisedLogDensity(obs: tf.Tensor2D, actions: tf.Tensor3D, rows: number): tf.Tensor1D {
    const { horizonSteps: Ta, actionDim: Da } = this.config;
    if (!(Number.isInteger(rows) && rows >= 1 && rows <= Ta)) throw new InternalError(`actSteps must be in [1, ${Ta}]; got ${rows}.`);
    return tf.tidy(() => {
      const { means, logStd, logWeights } = this.mixture(obs);
      const x = tf.expandDims(tf.slice(actions, [0, 0, 0], [-1, rows, Da]), 1);
      const mu = tf.slice(means, [0, 0, 0, 0], [-1, -1, rows, Da]);
      const perMode = tf.sum(normalLogDensity(x, mu, logStd), [2, 3]);
      return tf.div(tf.logSumExp(tf.add(logWeights, perMode), 1), rows * Da) as tf.Tensor1D;
    });
  }

  /**
   * Reduced log-prob per item: the normalised mixture log-density of the first actSteps rows, clamped to
   * [−5, 2]. obs [M, To·Do], next [M, Ta, Da] → [M]; `prev`, `stepIndex` and the std floor are unused.
   */
  logProb(obs: tf.Tensor2D, _prev: tf.Tensor3D, next: tf.Tensor3D, _stepIndex: tf.Tensor1D, opts: LogProbOptions): tf.Tensor1D {
    return tf.tidy(() => tf.clipByValue(this.normalisedLogDensity(obs, next, opts.actSteps), LOGPROB_MIN, LOGPROB_MAX) as tf.Tensor1D);
  }

  /** BC loss: −mean over the batch of the normalised whole-chunk mixture log-density (unclamped). */
  bcLoss(obs: tf.Tensor2D, actions: tf.Tensor3D, _rng: Rng): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.normalisedLogDensity(obs, actions, this.config.horizonSteps))) as tf.Scalar);
  }
}
