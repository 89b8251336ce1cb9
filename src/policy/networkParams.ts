/**
 * Shared plumbing for policies whose weights are one flat parameter list under the `network.` prefix
 * (Gaussian-MLP, GMM-MLP; spec §3.7): variables, DPPO-keyed export/import with the std bounds, release.
 */
import type * as tf from '@tensorflow/tfjs';
import { disposeParams, exportParams, loadParams, type NamedWeights, type Param } from './nn';

export abstract class NetworkParamsPolicy {
  abstract readonly config: { stdMin: number; stdMax: number };

  protected abstract params(): Param[];

  trainableVariables(): tf.Variable[] {
    return this.params().map((p) => p.variable);
  }

  pretrainVariables(): tf.Variable[] {
    return this.trainableVariables();
  }

  namedWeights(): NamedWeights {
    const out = exportParams(this.params(), 'network.');
    logvarBoundWeights(this.config.stdMin, this.config.stdMax, out);
    return out;
  }

  loadNamedWeights(weights: NamedWeights): void {
    loadParams(this.params(), weights, 'network.');
  }

  dispose(): void {
    disposeParams(this.params());
  }
}

/** DPPO's non-trainable logvar bounds as exported scalars. */
export function logvarBoundWeights(stdMin: number, stdMax: number, out: NamedWeights): void {
  out.set('network.logvar_min', { shape: [], data: Float32Array.of(Math.log(stdMin * stdMin)) });
  out.set('network.logvar_max', { shape: [], data: Float32Array.of(Math.log(stdMax * stdMax)) });
}
