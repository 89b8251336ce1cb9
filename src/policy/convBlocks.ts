/**
 * Channels-last 1-D conv building blocks of the Unet1D denoiser (spec/dppo-reference.md §3.3, §10):
 * Conv1d, ConvTranspose1d, GroupNorm and Conv1dBlock = Conv1d(pad k//2) → GroupNorm → Mish.
 *
 * Why not tf.conv1d: tfjs-wasm has no Conv2DBackpropFilter kernel, so a tf.conv1d filter cannot be trained
 * there. A conv here is im2col + one matMul instead (pad, k shifted slices concatenated on channels, fused
 * matMul + bias), which differentiates on every backend. ConvTranspose1d is the standard equivalent conv:
 * zero-stuff the input by the stride, pad k−1−p on both sides, correlate with the flipped, in/out-swapped kernel.
 *
 * Weights live in PyTorch layout (Conv1d [O, I, k], ConvTranspose1d [I, O, k], GroupNorm [C]) so export/load
 * through nn.ts needs no conversion; `kernel()` derives the [k·I, O] matMul operand (window row j·I + i holds
 * x[l + j, i]). Every `apply` takes a `KernelOf` so a caller can derive all kernels once (e.g. per sampling
 * chain, keeping XNNPACK's packed weights cached) or on demand (training).
 *
 * Shape legend: N rows, L length (the chunk axis), I/O in/out channels, C channels, k kernel width, G groups.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import { InternalError } from '../core/errors';
import { makeVariable, mish, uniformInit, type Param } from './nn';

/** The layers that own a matMul kernel. */
export type ConvLayer = Conv1d | ConvTranspose1d;
/** Supplies a layer's [k·I, O] kernel: `(c) => c.kernel()` or a lookup of precomputed kernels. */
export type KernelOf = (layer: ConvLayer) => tf.Tensor2D;

/** Derives kernels on demand (training / one-off forward passes). */
export const freshKernel: KernelOf = (layer) => layer.kernel();

/** x [N, L, I] → windows [N, L − k + 1, k·I]: window l holds x[l .. l+k−1] tap-major. */
function windows(x: tf.Tensor3D, k: number): tf.Tensor3D {
  if (k === 1) return x;
  const [N, L, I] = x.shape;
  const out = L - k + 1;
  const taps: tf.Tensor3D[] = [];
  for (let j = 0; j < k; j++) taps.push(tf.slice(x, [0, j, 0], [N, out, I]));
  return tf.concat(taps, 2);
}

/** Stride-1 correlation of an already padded x [N, Lp, I] with kernel [k·I, O] (+ bias) → [N, Lp − k + 1, O]. */
function correlate(x: tf.Tensor3D, k: number, kernel: tf.Tensor2D, bias: tf.Variable, stride = 1): tf.Tensor3D {
  const N = x.shape[0];
  let w = windows(x, k);
  const full = w.shape[1];
  let L = full;
  if (stride > 1) {
    // Keep windows 0, s, 2s, …: pad to s·Lout rows, view as [N, Lout, s, k·I], take phase 0.
    L = Math.floor((full - 1) / stride) + 1;
    const kI = w.shape[2];
    if (stride * L > full) w = tf.pad(w, [[0, 0], [0, stride * L - full], [0, 0]]);
    w = tf.reshape(tf.slice(tf.reshape(w, [N, L, stride, kI]), [0, 0, 0, 0], [N, L, 1, kI]), [N, L, kI]);
  }
  const y = tf.fused.matMul({ a: tf.reshape(w, [N * L, w.shape[2]]), b: kernel, bias });
  return tf.reshape(y, [N, L, kernel.shape[1]]);
}

/** torch.nn.Conv1d(I, O, k, stride, padding) on channels-last input: x [N, L, I] → [N, L′, O]. */
export class Conv1d {
  /** [O, I, k] (PyTorch layout) */
  readonly weight: tf.Variable;
  /** [O] */
  readonly bias: tf.Variable;

  constructor(
    readonly key: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    rng: Rng,
    readonly stride = 1,
    readonly padding = 0,
  ) {
    // PyTorch default init: U(±1/√fanIn), fanIn = I·k, weight drawn row-major then bias.
    const fanIn = inChannels * kernelSize;
    const shape = [outChannels, inChannels, kernelSize];
    this.weight = makeVariable(`${key}.weight`, tf.tensor3d(uniformInit(shape, fanIn, rng), shape as [number, number, number]));
    this.bias = makeVariable(`${key}.bias`, tf.tensor1d(uniformInit([outChannels], fanIn, rng)));
  }

  /** [O, I, k] → [k·I, O]. */
  kernel(): tf.Tensor2D {
    return tf.tidy(() => tf.reshape(tf.transpose(this.weight, [2, 1, 0]), [this.kernelSize * this.inChannels, this.outChannels]));
  }

  /** x [N, L, I] → [N, ⌊(L + 2p − k)/s⌋ + 1, O]. */
  apply(x: tf.Tensor3D, kernelOf: KernelOf): tf.Tensor3D {
    return tf.tidy(() => {
      const p = this.padding;
      const xp = p > 0 ? tf.pad(x, [[0, 0], [p, p], [0, 0]]) : x;
      return correlate(xp, this.kernelSize, kernelOf(this), this.bias, this.stride);
    });
  }

  params(): Param[] {
    return [
      { key: `${this.key}.weight`, variable: this.weight, transposed: false },
      { key: `${this.key}.bias`, variable: this.bias, transposed: false },
    ];
  }
}

/** torch.nn.ConvTranspose1d(I, O, k, stride, padding) on channels-last input: x [N, L, I] → [N, (L−1)s + k − 2p, O]. */
export class ConvTranspose1d {
  /** [I, O, k] (PyTorch layout) */
  readonly weight: tf.Variable;
  /** [O] */
  readonly bias: tf.Variable;

  constructor(
    readonly key: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    rng: Rng,
    readonly stride = 1,
    readonly padding = 0,
  ) {
    if (padding > kernelSize - 1) throw new InternalError(`ConvTranspose1d padding ${padding} must be at most kernel size − 1 (${kernelSize - 1}).`);
    // PyTorch computes fanIn from weight.size(1) = O for transposed convs: bound 1/√(O·k).
    const fanIn = outChannels * kernelSize;
    const shape = [inChannels, outChannels, kernelSize];
    this.weight = makeVariable(`${key}.weight`, tf.tensor3d(uniformInit(shape, fanIn, rng), shape as [number, number, number]));
    this.bias = makeVariable(`${key}.bias`, tf.tensor1d(uniformInit([outChannels], fanIn, rng)));
  }

  /** The equivalent correlation kernel K′[j, i, o] = W[i, o, k−1−j], as [k·I, O]. */
  kernel(): tf.Tensor2D {
    return tf.tidy(() =>
      tf.reshape(tf.transpose(tf.reverse(this.weight, 2), [2, 0, 1]), [this.kernelSize * this.inChannels, this.outChannels]),
    );
  }

  apply(x: tf.Tensor3D, kernelOf: KernelOf): tf.Tensor3D {
    return tf.tidy(() => {
      const [N, L, I] = x.shape;
      const s = this.stride;
      const edge = this.kernelSize - 1 - this.padding;
      // Zero-stuff: [N, L, 1, I] → [N, L, s, I] → [N, L·s, I] (s−1 zeros after each row, incl. the last).
      let z: tf.Tensor3D = s > 1 ? tf.reshape<tf.Rank.R3>(tf.pad(tf.reshape(x, [N, L, 1, I]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]), [N, L * s, I]) : x;
      // Trailing zeros already present count towards the right edge padding.
      const right = edge - (s - 1);
      if (right < 0) z = tf.slice(z, [0, 0, 0], [N, L * s + right, I]);
      z = tf.pad(z, [[0, 0], [edge, Math.max(right, 0)], [0, 0]]);
      return correlate(z, this.kernelSize, kernelOf(this), this.bias);
    });
  }

  params(): Param[] {
    return [
      { key: `${this.key}.weight`, variable: this.weight, transposed: false },
      { key: `${this.key}.bias`, variable: this.bias, transposed: false },
    ];
  }
}

/**
 * torch.nn.GroupNorm(G, C, eps) on channels-last input h [N, L, C]: statistics per (row, group) over the
 * chunk axis and the group's C/G contiguous channels, biased variance, then per-channel affine (γ = 1, β = 0).
 */
export class GroupNorm {
  /** [C] */
  readonly weight: tf.Variable;
  /** [C] */
  readonly bias: tf.Variable;

  constructor(
    readonly key: string,
    readonly groups: number,
    readonly channels: number,
    readonly eps: number,
  ) {
    if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
      throw new InternalError(`GroupNorm: ${channels} channels cannot be split into ${groups} groups (nGroups must divide every channel count).`);
    }
    this.weight = makeVariable(`${key}.weight`, tf.ones([channels]));
    this.bias = makeVariable(`${key}.bias`, tf.zeros([channels]));
  }

  apply(h: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [N, L, C] = h.shape;
      const g = tf.reshape(h, [N, L, this.groups, C / this.groups]);
      const { mean, variance } = tf.moments(g, [1, 3], true);
      const normed = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, this.eps))), [N, L, C]);
      return tf.add(tf.mul(normed, this.weight), this.bias) as tf.Tensor3D;
    });
  }

  params(): Param[] {
    return [
      { key: `${this.key}.weight`, variable: this.weight, transposed: false },
      { key: `${this.key}.bias`, variable: this.bias, transposed: false },
    ];
  }
}

/** DPPO Conv1dBlock: Conv1d(I, O, k, padding k//2) → GroupNorm(G, O) → Mish. Keys `block.0.*` (conv), `block.2.*` (norm). */
export class Conv1dBlock {
  readonly conv: Conv1d;
  readonly norm: GroupNorm;

  constructor(key: string, inChannels: number, outChannels: number, kernelSize: number, nGroups: number, eps: number, rng: Rng) {
    this.conv = new Conv1d(`${key}.block.0`, inChannels, outChannels, kernelSize, rng, 1, Math.floor(kernelSize / 2));
    this.norm = new GroupNorm(`${key}.block.2`, nGroups, outChannels, eps);
  }

  /** x [N, L, I] → [N, L, O] (odd k keeps L). */
  apply(x: tf.Tensor3D, kernelOf: KernelOf): tf.Tensor3D {
    return tf.tidy(() => mish(this.norm.apply(this.conv.apply(x, kernelOf))));
  }

  params(): Param[] {
    return [...this.conv.params(), ...this.norm.params()];
  }
}
