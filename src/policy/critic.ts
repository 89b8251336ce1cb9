/**
 * DPPO's CriticObs V(s) (spec/dppo-reference.md §3.4): ResidualMLP [To·Do, ...mlpDims, 1] (Mish in every
 * config). Keys `critic.Q1.layers.{0, 1.l1, 1.l2, 2}.{weight, bias}` as in DPPO's fine-tuning state dict (§3.6).
 *
 * Shape legend: B batch, To cond steps, Do obs dim. Observations are passed flattened [B, To·Do].
 */
import * as tf from '@tensorflow/tfjs';
import type { CriticConfig } from '../config/model';
import { InternalError } from '../core/errors';
import type { Rng } from '../core/rng';
import { disposeParams, exportParams, loadParams, makeMlpHead, type MlpHead, type NamedWeights } from './nn';
import type { Critic } from './types';

export const CRITIC_PREFIX = 'critic.';

export class CriticObs implements Critic {
  readonly net: MlpHead;

  constructor(
    readonly config: CriticConfig,
    rng: Rng,
  ) {
    this.net = makeMlpHead('Q1', [config.condSteps * config.obsDim, ...config.mlpDims, 1], config.activation, config.residualStyle, rng);
  }

  /** obs [B, To·Do] → V [B]. */
  value(obs: tf.Tensor2D): tf.Tensor1D {
    const want = this.config.condSteps * this.config.obsDim;
    if (obs.shape[1] !== want) throw new InternalError(`Critic expected observations [B, ${want}], got [${obs.shape.join(', ')}].`);
    return tf.tidy(() => tf.reshape(this.net.apply(obs), [-1]) as tf.Tensor1D);
  }

  trainableVariables(): tf.Variable[] {
    return this.net.params().map((p) => p.variable);
  }

  namedWeights(): NamedWeights {
    return exportParams(this.net.params(), CRITIC_PREFIX);
  }

  loadNamedWeights(weights: NamedWeights): void {
    loadParams(this.net.params(), weights, CRITIC_PREFIX);
  }

  /** True when `weights` hold a critic. */
  static present(weights: NamedWeights): boolean {
    for (const k of weights.keys()) if (k.startsWith(CRITIC_PREFIX)) return true;
    return false;
  }

  dispose(): void {
    disposeParams(this.net.params());
  }
}
