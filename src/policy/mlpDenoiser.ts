/**
 * DPPO's DiffusionMLP noise network ε_θ(x_t, t, obs) (spec/dppo-reference.md §3.2).
 * Time MLP: Sinusoidal(timeDim) → Linear(timeDim, 2·timeDim) → Mish → Linear(2·timeDim, timeDim) (always Mish).
 * Head input = concat[flatten(x) (Ta·Da), time (timeDim), flatten(obs) (To·Do)] in that order; head =
 * ResidualMLP [in, ...mlpDims, Ta·Da] with the config activation.
 * Keys (relative; the policy adds `network.` / `actor.` / `actor_ft.`): `time_embedding.1.*`,
 * `time_embedding.3.*`, `mlp_mean.layers.*` (§3.6).
 *
 * Shape legend: N rows, B batch, Ta horizon, Da action dim, To cond steps, Do obs dim, H head width.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionMlpConfig } from '../config/model';
import type { Rng } from '../core/rng';
import type { DenoiserNet, HostChainEvaluator } from './denoiser';
import { DirectReluMlp } from './wasmKernels';
import { Linear, makeMlpHead, mish, ResidualMLP, sinusoidalEmbeddingTable, type MlpHead, type Param } from './nn';

export class DiffusionMlpNet implements DenoiserNet {
  readonly timeL1: Linear;
  readonly timeL3: Linear;
  readonly head: MlpHead;
  /** Ta·Da */
  readonly actFlat: number;
  /** To·Do */
  readonly obsFlat: number;

  constructor(
    readonly config: DiffusionMlpConfig,
    rng: Rng,
  ) {
    const td = config.timeDim;
    this.actFlat = config.horizonSteps * config.actionDim;
    this.obsFlat = config.condSteps * config.obsDim;
    this.timeL1 = new Linear('time_embedding.1', td, 2 * td, rng);
    this.timeL3 = new Linear('time_embedding.3', 2 * td, td, rng);
    const dims = [this.actFlat + td + this.obsFlat, ...config.mlpDims, this.actFlat];
    this.head = makeMlpHead('mlp_mean', dims, config.activation, config.residualStyle, rng);
  }

  params(): Param[] {
    return [...this.timeL1.params(), ...this.timeL3.params(), ...this.head.params()];
  }

  variables(): tf.Variable[] {
    return this.params().map((p) => p.variable);
  }

  /** Time-MLP output for integer steps ts: [n, timeDim]. */
  timeFeatures(ts: ArrayLike<number>): tf.Tensor2D {
    const td = this.config.timeDim;
    return tf.tidy(() => {
      const emb = tf.tensor2d(sinusoidalEmbeddingTable(ts, td), [ts.length, td]);
      return this.timeL3.apply(mish(this.timeL1.apply(emb)));
    });
  }

  /** x [N, Ta·Da], temb [N, timeDim], obs [N, To·Do] → ε [N, Ta·Da]. */
  forward(x: tf.Tensor2D, temb: tf.Tensor2D, obs: tf.Tensor2D): tf.Tensor2D {
    return this.head.apply(tf.concat([x, temb, obs], 1) as tf.Tensor2D);
  }

  /**
   * A fast evaluator for one sampling chain (all rows share t): layer 0 is split by input block so the obs
   * and time parts are computed once per chain and each step only multiplies x by W_x (a cached XNNPACK
   * operator; a per-step bias tensor would re-pack the weights every call). Call inside the caller's
   * tf.tidy; `ts` lists every t the chain will use.
   */
  chainEvaluator(obs: tf.Tensor2D, ts: number[]): (x: tf.Tensor2D, t: number) => tf.Tensor2D {
    const { wx, byT } = this.chainConstants(obs, ts);
    return (x, t) => this.head.applyFromHidden(tf.add(tf.matMul(x, wx), constantFor(byT, t)) as tf.Tensor2D);
  }

  /**
   * chainEvaluator through direct wasm kernel calls (bitwise equal, without ~8 tfjs ops per step); only for
   * the ReLU residual head on the wasm backend with our kernels installed, else null.
   */
  hostChainEvaluator(obs: tf.Tensor2D, ts: number[]): HostChainEvaluator | null {
    const head = this.head;
    if (!(head instanceof ResidualMLP) || this.config.activation !== 'relu') return null;
    const { wx, byT } = this.chainConstants(obs, ts);
    const dense = (l: Linear) => ({ W: l.kernel as tf.Tensor2D, b: l.bias as tf.Tensor1D });
    const direct = DirectReluMlp.create(obs.shape[0], wx, head.blocks.map((b) => ({ l1: dense(b.l1), l2: dense(b.l2) })), dense(head.last));
    if (direct === null) return null;
    return { evaluate: (x, t) => direct.run(x, constantFor(byT, t)), dispose: () => direct.dispose() };
  }

  /** W_x and, per t, the constant part of layer 0 (see chainEvaluator). Tensors belong to the caller's tidy. */
  private chainConstants(obs: tf.Tensor2D, ts: number[]): { wx: tf.Tensor2D; byT: Map<number, tf.Tensor2D> } {
    const first = this.head.first;
    const a = this.actFlat;
    const td = this.config.timeDim;
    const w = first.kernel as tf.Tensor2D;
    const wx = tf.slice(w, [0, 0], [a, -1]);
    const wt = tf.slice(w, [a, 0], [td, -1]);
    const wo = tf.slice(w, [a + td, 0], [this.obsFlat, -1]);
    // Per-step constant part of layer 0: obs·W_obs + time(t)·W_time + b, [B, H] for each t.
    const obsPart = tf.fused.matMul({ a: obs, b: wo, bias: first.bias });
    const rows = tf.unstack(tf.matMul(this.timeFeatures(ts), wt)) as tf.Tensor1D[];
    const byT = new Map<number, tf.Tensor2D>();
    ts.forEach((t, i) => byT.set(t, tf.add(obsPart, rows[i]) as tf.Tensor2D));
    return { wx, byT };
  }

  dispose(): void {
    for (const p of this.params()) p.variable.dispose();
  }
}

function constantFor(byT: Map<number, tf.Tensor2D>, t: number): tf.Tensor2D {
  const c = byT.get(t);
  if (c === undefined) throw new Error(`chainEvaluator: t=${t} was not precomputed`);
  return c;
}
