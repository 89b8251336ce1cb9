/**
 * What the diffusion policy needs from its ε-network ε_θ(x_t, t, obs) (spec/dppo-reference.md §2, §3.2, §3.3).
 * Implemented by DiffusionMlpNet (mlpDenoiser.ts) and Unet1DNet (unet1d.ts); DiffusionPolicy (diffusion.ts)
 * owns the schedule, sampling, log-prob and the frozen/fine-tuned pair on top of it.
 *
 * Shape legend: N rows, B batch, n listed steps, E time-feature width, Ta horizon, Da action dim, To cond steps,
 * Do obs dim. Action chunks travel flattened row-major [N, Ta·Da].
 */
import type * as tf from '@tensorflow/tfjs';
import type { Param } from './nn';

export interface HostChainEvaluator {
  /** x [B·Ta·Da] row-major at step t → ε [B·Ta·Da]. */
  evaluate(x: Float32Array, t: number): Float32Array;
  dispose(): void;
}

export interface DenoiserNet {
  /** Ta·Da */
  readonly actFlat: number;
  /** To·Do */
  readonly obsFlat: number;
  /** Parameters with their PyTorch keys relative to the network (the policy adds `network.` etc.). */
  params(): Param[];
  variables(): tf.Variable[];
  /** Time-MLP output for integer steps ts: [n, E] (rows can be gathered per item with a one-hot matMul). */
  timeFeatures(ts: ArrayLike<number>): tf.Tensor2D;
  /** x [N, Ta·Da], temb [N, E] (rows of timeFeatures), obs [N, To·Do] → ε [N, Ta·Da]. Differentiable. */
  forward(x: tf.Tensor2D, temb: tf.Tensor2D, obs: tf.Tensor2D): tf.Tensor2D;
  /**
   * A fast evaluator for one sampling chain (all rows share t): obs [B, To·Do] and every t the chain will use
   * are fixed up front; the result maps x [B, Ta·Da] at step t → ε [B, Ta·Da]. Call inside the caller's tf.tidy.
   */
  chainEvaluator(obs: tf.Tensor2D, ts: number[]): (x: tf.Tensor2D, t: number) => tf.Tensor2D;
  /**
   * Optional: the same evaluator on host arrays through direct wasm kernel calls (wasmKernels' DirectReluMlp),
   * bitwise equal to chainEvaluator; null when this network or backend has none. Call inside the caller's
   * tf.tidy and `dispose()` after the chain.
   */
  hostChainEvaluator?(obs: tf.Tensor2D, ts: number[]): HostChainEvaluator | null;
  dispose(): void;
}
