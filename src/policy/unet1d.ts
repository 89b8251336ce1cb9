/**
 * DPPO's Unet1D noise network ε_θ(x_t, t, obs) (spec/dppo-reference.md §3.3; Diffusion-Policy style conv over
 * the chunk axis). tfjs runs it channels-last: x [N, Ta, Da] already is [N, length, channels], so no transpose.
 *
 * - Global condition g = concat(time_mlp(t), flatten(obs)) [N, dsed + To·Do]; time_mlp = Sinusoidal(dsed) →
 *   Linear(dsed, 4·dsed) → Mish → Linear(4·dsed, dsed).
 * - ResidualBlock1D(I, O): Conv1dBlock(I, O) → FiLM (cond encoder Linear(g, C) → Mish → Linear(C, C) → Mish →
 *   Linear(C, C), C = 2·O with condPredictScale: h ← scale·h + bias, else h ← h + bias) → Conv1dBlock(O, O),
 *   plus the input (through a 1×1 conv when I ≠ O).
 * - Channels dims = [Da, dim·m for m in dimMults]. Down level (I, O): 2 ResBlocks, skip saved, Downsample
 *   (Conv1d k3 s2 p1) except on the last level. Mid: 2 × ResBlock(mid, mid). Up level (I, O) over
 *   reversed(in_out[1:]): concat the popped skip on channels, ResBlock(2·O, I), ResBlock(I, I), Upsample
 *   (ConvTranspose1d k4 s2 p1) on every up level. Final: Conv1dBlock(dim, dim) → Conv1d(dim, Da, 1).
 * - Only the configuration every reference config uses is built: Mish, the "larger" cond encoder, no cond_mlp.
 *
 * Keys mirror DPPO's `model/diffusion/unet.py` state dict (relative; the policy adds `network.` / `actor.` /
 * `actor_ft.`), e.g. for a ResidualBlock1D at `down_modules.0.0`:
 *   `down_modules.0.0.blocks.{0,1}.block.0.{weight,bias}`  Conv1d [O, I, k], [O]
 *   `down_modules.0.0.blocks.{0,1}.block.2.{weight,bias}`  GroupNorm [O]
 *   `down_modules.0.0.cond_encoder.{0,2,4}.{weight,bias}`  Linear [out, in]
 *   `down_modules.0.0.residual_conv.{weight,bias}`         Conv1d [O, I, 1] (only when I ≠ O)
 * and `time_mlp.{1,3}.*`, `mid_modules.{0,1}.*`, `down_modules.{i}.2.conv.*` (Downsample),
 * `up_modules.{i}.{0,1}.*`, `up_modules.{i}.2.conv.*` (Upsample, ConvTranspose1d [I, O, 4]),
 * `final_conv.0.block.{0,2}.*`, `final_conv.1.*`.
 *
 * Shape legend: N rows, B batch, n steps, Ta horizon, Da action dim, To·Do flattened obs, L length, C channels.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionUnetConfig } from '../config/model';
import { UserError } from '../core/errors';
import type { Rng } from '../core/rng';
import { Conv1d, Conv1dBlock, ConvTranspose1d, freshKernel, type ConvLayer, type KernelOf } from './convBlocks';
import type { DenoiserNet } from './denoiser';
import { Linear, mish, sinusoidalEmbeddingTable, type Param } from './nn';

/** DPPO ResidualBlock1D with FiLM conditioning ("larger" cond encoder, Mish). */
export class ResidualBlock1D {
  readonly blocks: [Conv1dBlock, Conv1dBlock];
  readonly condEncoder: [Linear, Linear, Linear];
  readonly residualConv: Conv1d | null;

  constructor(
    readonly key: string,
    readonly inChannels: number,
    readonly outChannels: number,
    condDim: number,
    readonly config: DiffusionUnetConfig,
    rng: Rng,
  ) {
    const { kernelSize: k, nGroups, groupNormEps: eps } = config;
    this.blocks = [
      new Conv1dBlock(`${key}.blocks.0`, inChannels, outChannels, k, nGroups, eps, rng),
      new Conv1dBlock(`${key}.blocks.1`, outChannels, outChannels, k, nGroups, eps, rng),
    ];
    const c = config.condPredictScale ? 2 * outChannels : outChannels;
    this.condEncoder = [
      new Linear(`${key}.cond_encoder.0`, condDim, c, rng),
      new Linear(`${key}.cond_encoder.2`, c, c, rng),
      new Linear(`${key}.cond_encoder.4`, c, c, rng),
    ];
    this.residualConv = inChannels !== outChannels ? new Conv1d(`${key}.residual_conv`, inChannels, outChannels, 1, rng) : null;
  }

  /** FiLM parameters from the global condition: g [N, G] → [N, C] (C = 2·O: scales then biases). */
  film(g: tf.Tensor2D): tf.Tensor2D {
    const [l0, l2, l4] = this.condEncoder;
    return tf.tidy(() => l4.apply(l2.apply(l0.apply(g, 'mish'), 'mish')));
  }

  /** x [N, L, I], film [N, C] → [N, L, O]. */
  apply(x: tf.Tensor3D, film: tf.Tensor2D, kernelOf: KernelOf): tf.Tensor3D {
    return tf.tidy(() => {
      const N = x.shape[0];
      const O = this.outChannels;
      let h = this.blocks[0].apply(x, kernelOf);
      if (this.config.condPredictScale) {
        const [scale, bias] = tf.split(film, 2, 1);
        h = tf.add(tf.mul(h, tf.reshape(scale, [N, 1, O])), tf.reshape(bias, [N, 1, O]));
      } else {
        h = tf.add(h, tf.reshape(film, [N, 1, O]));
      }
      h = this.blocks[1].apply(h, kernelOf);
      const residual = this.residualConv ? this.residualConv.apply(x, kernelOf) : x;
      return tf.add(h, residual);
    });
  }

  convs(): ConvLayer[] {
    return [...this.blocks.map((b) => b.conv), ...(this.residualConv ? [this.residualConv] : [])];
  }

  params(): Param[] {
    return [
      ...this.blocks.flatMap((b) => b.params()),
      ...this.condEncoder.flatMap((l) => l.params()),
      ...(this.residualConv ? this.residualConv.params() : []),
    ];
  }
}

interface DownLevel {
  res: [ResidualBlock1D, ResidualBlock1D];
  downsample: Conv1d | null;
}

interface UpLevel {
  res: [ResidualBlock1D, ResidualBlock1D];
  upsample: ConvTranspose1d;
}

/** Checks the config against what the UNet can run; throws UserError. */
function validate(config: DiffusionUnetConfig): void {
  const { dim, dimMults, kernelSize, nGroups, horizonSteps } = config;
  if (!Number.isInteger(dim) || dim < 1) throw new UserError(`UNet dim must be a positive integer; got ${dim}.`);
  if (dimMults.length < 1 || dimMults.some((m) => !Number.isInteger(m) || m < 1)) {
    throw new UserError(`UNet dimMults must be positive integers; got [${dimMults.join(', ')}].`);
  }
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new UserError(`UNet kernelSize must be odd (padding k//2 keeps the chunk length); got ${kernelSize}.`);
  }
  for (const c of [dim, ...dimMults.map((m) => dim * m)]) {
    if (c % nGroups !== 0) throw new UserError(`UNet nGroups (${nGroups}) must divide every channel count; ${c} is not divisible.`);
  }
  const factor = 2 ** (dimMults.length - 1);
  if (horizonSteps % factor !== 0) {
    throw new UserError(`UNet with ${dimMults.length} levels halves the chunk ${dimMults.length - 1} times: horizonSteps (${horizonSteps}) must be divisible by ${factor}.`);
  }
}

export class Unet1DNet implements DenoiserNet {
  readonly timeL1: Linear;
  readonly timeL3: Linear;
  readonly mid: [ResidualBlock1D, ResidualBlock1D];
  readonly down: DownLevel[] = [];
  readonly up: UpLevel[] = [];
  readonly finalBlock: Conv1dBlock;
  readonly finalConv: Conv1d;
  readonly actFlat: number;
  readonly obsFlat: number;

  constructor(
    readonly config: DiffusionUnetConfig,
    rng: Rng,
  ) {
    validate(config);
    const { actionDim: Da, dim, dimMults, kernelSize: k, nGroups, groupNormEps: eps } = config;
    const dsed = config.diffusionStepEmbedDim;
    this.actFlat = config.horizonSteps * Da;
    this.obsFlat = config.condSteps * config.obsDim;
    const condDim = dsed + this.obsFlat;
    const dims = [Da, ...dimMults.map((m) => dim * m)];
    const inOut = dims.slice(0, -1).map((d, i) => [d, dims[i + 1]] as const);
    const midDim = dims[dims.length - 1];
    // Built in DPPO's registration order: time_mlp, mid_modules, down_modules, up_modules, final_conv.
    this.timeL1 = new Linear('time_mlp.1', dsed, 4 * dsed, rng);
    this.timeL3 = new Linear('time_mlp.3', 4 * dsed, dsed, rng);
    const block = (key: string, i: number, o: number) => new ResidualBlock1D(key, i, o, condDim, config, rng);
    this.mid = [block('mid_modules.0', midDim, midDim), block('mid_modules.1', midDim, midDim)];
    inOut.forEach(([i, o], level) => {
      const p = `down_modules.${level}`;
      const last = level === inOut.length - 1;
      this.down.push({
        res: [block(`${p}.0`, i, o), block(`${p}.1`, o, o)],
        downsample: last ? null : new Conv1d(`${p}.2.conv`, o, o, 3, rng, 2, 1),
      });
    });
    [...inOut.slice(1)].reverse().forEach(([i, o], level) => {
      const p = `up_modules.${level}`;
      this.up.push({
        res: [block(`${p}.0`, 2 * o, i), block(`${p}.1`, i, i)],
        upsample: new ConvTranspose1d(`${p}.2.conv`, i, i, 4, rng, 2, 1),
      });
    });
    this.finalBlock = new Conv1dBlock('final_conv.0', dim, dim, k, nGroups, eps, rng);
    this.finalConv = new Conv1d('final_conv.1', dim, Da, 1, rng);
  }

  /** Residual blocks in forward order (down, mid, up): the order of the FiLM list. */
  private resBlocks(): ResidualBlock1D[] {
    return [...this.down.flatMap((l) => l.res), ...this.mid, ...this.up.flatMap((l) => l.res)];
  }

  private convs(): ConvLayer[] {
    return [
      ...this.resBlocks().flatMap((b) => b.convs()),
      ...this.down.flatMap((l) => (l.downsample ? [l.downsample] : [])),
      ...this.up.map((l) => l.upsample),
      this.finalBlock.conv,
      this.finalConv,
    ];
  }

  params(): Param[] {
    return [
      ...this.timeL1.params(),
      ...this.timeL3.params(),
      ...this.mid.flatMap((b) => b.params()),
      ...this.down.flatMap((l) => [...l.res.flatMap((b) => b.params()), ...(l.downsample ? l.downsample.params() : [])]),
      ...this.up.flatMap((l) => [...l.res.flatMap((b) => b.params()), ...l.upsample.params()]),
      ...this.finalBlock.params(),
      ...this.finalConv.params(),
    ];
  }

  variables(): tf.Variable[] {
    return this.params().map((p) => p.variable);
  }

  /** time_mlp output for integer steps ts: [n, dsed]. */
  timeFeatures(ts: ArrayLike<number>): tf.Tensor2D {
    const d = this.config.diffusionStepEmbedDim;
    return tf.tidy(() => {
      const emb = tf.tensor2d(sinusoidalEmbeddingTable(ts, d), [ts.length, d]);
      return this.timeL3.apply(mish(this.timeL1.apply(emb)));
    });
  }

  /** FiLM parameters of every residual block (forward order) for global conditions g [N, dsed + To·Do]. */
  private films(g: tf.Tensor2D): tf.Tensor2D[] {
    return this.resBlocks().map((b) => b.film(g));
  }

  /** x [N, Ta·Da], temb [N, dsed], obs [N, To·Do] → ε [N, Ta·Da]. */
  forward(x: tf.Tensor2D, temb: tf.Tensor2D, obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.run(x, this.films(tf.concat([temb, obs], 1)), freshKernel));
  }

  /** The conv path given precomputed FiLM parameters (forward order): x [N, Ta·Da] → [N, Ta·Da]. */
  private run(x: tf.Tensor2D, films: tf.Tensor2D[], kernelOf: KernelOf): tf.Tensor2D {
    return tf.tidy(() => {
      const N = x.shape[0];
      const { horizonSteps: Ta, actionDim: Da } = this.config;
      let h = tf.reshape(x, [N, Ta, Da]) as tf.Tensor3D;
      let f = 0;
      const skips: tf.Tensor3D[] = [];
      for (const { res, downsample } of this.down) {
        h = res[0].apply(h, films[f++], kernelOf);
        h = res[1].apply(h, films[f++], kernelOf);
        skips.push(h);
        if (downsample) h = downsample.apply(h, kernelOf);
      }
      for (const b of this.mid) h = b.apply(h, films[f++], kernelOf);
      for (const { res, upsample } of this.up) {
        const skip = skips.pop();
        if (skip === undefined) throw new Error('Unet1D: skip stack underflow');
        h = tf.concat([h, skip], 2);
        h = res[0].apply(h, films[f++], kernelOf);
        h = res[1].apply(h, films[f++], kernelOf);
        h = upsample.apply(h, kernelOf);
      }
      h = this.finalConv.apply(this.finalBlock.apply(h, kernelOf), kernelOf);
      return tf.reshape(h, [N, Ta * Da]) as tf.Tensor2D;
    });
  }

  /**
   * Chain evaluator (see DenoiserNet): conv kernels are derived once per chain (fixed matMul operands keep
   * XNNPACK's packed weights cached), and the FiLM parameters of every block for every listed t come from one
   * batched cond-encoder pass over [n·B] rows, so a step only runs the conv path.
   */
  chainEvaluator(obs: tf.Tensor2D, ts: number[]): (x: tf.Tensor2D, t: number) => tf.Tensor2D {
    const B = obs.shape[0];
    const n = ts.length;
    const d = this.config.diffusionStepEmbedDim;
    const kernels = new Map<ConvLayer, tf.Tensor2D>(this.convs().map((c) => [c, c.kernel()]));
    const kernelOf: KernelOf = (c) => {
      const k = kernels.get(c);
      if (k === undefined) throw new Error(`Unet1D: no precomputed kernel for ${c.key}`);
      return k;
    };
    // g rows t-major: row i·B + b = [time(ts[i]), obs[b]].
    const temb = tf.reshape(tf.tile(tf.reshape(this.timeFeatures(ts), [n, 1, d]), [1, B, 1]), [n * B, d]);
    const g = tf.concat([temb, tf.tile(obs, [n, 1])], 1) as tf.Tensor2D;
    const perBlock = this.films(g).map((f) => tf.split(f, n, 0) as tf.Tensor2D[]);
    const byT = new Map<number, tf.Tensor2D[]>();
    ts.forEach((t, i) => byT.set(t, perBlock.map((pieces) => pieces[i])));
    return (x, t) => {
      const films = byT.get(t);
      if (films === undefined) throw new Error(`chainEvaluator: t=${t} was not precomputed`);
      return this.run(x, films, kernelOf);
    };
  }

  dispose(): void {
    for (const p of this.params()) p.variable.dispose();
  }
}
