/**
 * Small neural-network building blocks on raw tfjs ops, shared by every policy and critic
 * (spec/dppo-reference.md §3.1). No tf.layers: we need PyTorch key names, PyTorch-default seeded init and
 * full control over which ops run (tfjs-backends.md §3.1).
 *
 * Shape legend: N rows (batch), I input width, O output width, H hidden width.
 *
 * Stable API (used by diffusion.ts, critic.ts, gaussian.ts, gmm.ts, …):
 * - `Param` = one tf.Variable plus its DPPO/PyTorch key relative to the module (e.g. `layers.0.weight`) and
 *   whether it is a Linear kernel (stored [I, O] in TF, exported [O, I] like PyTorch).
 * - `Linear(key, inDim, outDim, rng)`: `kernel` [I, O], `bias` [O]; `apply(x, act?)` = fused matMul + bias.
 * - `ResidualMLP(key, dims, activation, rng)`: §3.1 (Linear → (len−3)/2 pre-activation residual blocks →
 *   Linear), keys `layers.0`, `layers.1.l1`, `layers.1.l2`, …, `layers.{last}`.
 * - `MLP(key, dims, activation, rng)` (non-residual, keys `moduleList.{i}.linear_1`), `makeMlpHead(..., residualStyle)`.
 * - `activate(x, act)`, `mish(x)`, `sinusoidalEmbedding(t, dim)` / `sinusoidalEmbeddingTable(ts, dim)`.
 * - `exportParams(params, prefix)` → NamedWeights (PyTorch layout), `loadParams(params, weights, prefix)`
 *   (throws UserError on a missing or mis-shaped key), `copyParams(src, dst)`, `paramCount(params)`.
 * - `cloneVariables(vars, trainable)` for frozen/fine-tuned copies.
 * Optimiser: see adamw.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../config/model';
import type { Rng } from '../core/rng';
import { InternalError, UserError } from '../core/errors';

/** Weights by DPPO/PyTorch key, in PyTorch layout (Linear weight [out, in]). */
export type NamedWeights = Map<string, { shape: number[]; data: Float32Array }>;

/** One trainable tensor and its PyTorch key (relative to its module; add a prefix on export). */
export interface Param {
  key: string;
  variable: tf.Variable;
  /** True for a Linear kernel: TF layout [in, out], PyTorch layout [out, in]. */
  transposed: boolean;
}

let variableCounter = 0;
/** tf.Variable names must be globally unique (gradients are keyed by name); keys need not be. */
function uniqueName(key: string): string {
  variableCounter += 1;
  return `${key}_${variableCounter}`;
}

/** A variable with a unique tfjs name derived from `key`. Takes ownership of `init` (disposes it). */
export function makeVariable(key: string, init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable, uniqueName(key));
  init.dispose();
  return v;
}

/** PyTorch-default-like init: U(−1/√fanIn, +1/√fanIn), drawn from our seeded Rng. */
export function uniformInit(shape: number[], fanIn: number, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/**
 * Mish(x) = x·tanh(softplus(x)) (spec §3.1), computed as x·n/(n+2) with n = eˣ(eˣ+2) — the same function
 * (tanh(log(1+eˣ)) = ((1+eˣ)²−1)/((1+eˣ)²+1)), but 2.5× faster forward on wasm, whose Tanh/Softplus kernels
 * are scalar. eˣ is taken at min(x, 20), where the ratio is already 1 in float32 (no overflow, no NaN).
 */
export function mish<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const e = tf.exp(tf.minimum(x, 20));
    const n = tf.mul(e, tf.add(e, 2));
    return tf.mul(x, tf.div(n, tf.add(n, 2))) as T;
  });
}

/** Element-wise activation by config name. */
export function activate<T extends tf.Tensor>(x: T, act: Activation): T {
  switch (act) {
    case 'relu':
      return tf.relu(x);
    case 'mish':
      return mish(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'gelu':
      // torch.nn.GELU default (exact erf form): 0.5·x·(1 + erf(x/√2)).
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
    case 'silu':
      return tf.mul(x, tf.sigmoid(x)) as T;
    case 'identity':
      return x;
  }
}

/** Activations tf.fused.matMul can apply in the same kernel. */
function fusedActivation(act: Activation | undefined): 'relu' | 'elu' | 'linear' | null {
  if (act === undefined || act === 'identity') return 'linear';
  if (act === 'relu') return 'relu';
  if (act === 'elu') return 'elu';
  return null;
}

/** PyTorch nn.Linear: y = x·W + b with W stored as a TF kernel [I, O]. */
export class Linear {
  /** [I, O] */
  readonly kernel: tf.Variable;
  /** [O] */
  readonly bias: tf.Variable;

  constructor(
    readonly key: string,
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
  ) {
    // Draw in PyTorch order ([out, in] weight row-major, then bias) so a seed gives the same numbers as
    // torch-layout init would; transpose into the TF kernel.
    const w = uniformInit([outDim, inDim], inDim, rng);
    const b = uniformInit([outDim], inDim, rng);
    const kernel = new Float32Array(inDim * outDim);
    for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) kernel[i * outDim + o] = w[o * inDim + i];
    this.kernel = makeVariable(`${key}.weight`, tf.tensor2d(kernel, [inDim, outDim]));
    this.bias = makeVariable(`${key}.bias`, tf.tensor1d(b));
  }

  /** x [N, I] → act(x·W + b) [N, O]; relu/elu/identity are fused into the matMul. */
  apply(x: tf.Tensor2D, act?: Activation): tf.Tensor2D {
    const fused = fusedActivation(act);
    const b = this.kernel as tf.Tensor2D;
    if (fused !== null) return tf.fused.matMul({ a: x, b, bias: this.bias, activation: fused }) as tf.Tensor2D;
    return activate(tf.fused.matMul({ a: x, b, bias: this.bias }) as tf.Tensor2D, act as Activation);
  }

  params(): Param[] {
    return [
      { key: `${this.key}.weight`, variable: this.kernel, transposed: true },
      { key: `${this.key}.bias`, variable: this.bias, transposed: false },
    ];
  }
}

/**
 * DPPO ResidualMLP (spec §3.1): Linear(I, H) → (len−3)/2 blocks y = x + L2(act(L1(act(x)))) → Linear(H, O).
 * Note there is no activation between layers.0 and the first block (the block pre-activates) nor before the
 * last Linear. Output activation Identity, no LayerNorm (unused by our configs).
 */
export class ResidualMLP {
  readonly first: Linear;
  readonly blocks: { l1: Linear; l2: Linear }[] = [];
  readonly last: Linear;

  constructor(
    readonly key: string,
    readonly dims: number[],
    readonly activation: Activation,
    rng: Rng,
  ) {
    const hiddenLayers = dims.length - 3;
    if (dims.length < 3 || hiddenLayers % 2 !== 0) {
      throw new UserError(`ResidualMLP needs an even number of hidden layers; got dims [${dims.join(', ')}].`);
    }
    const h = dims[1];
    for (let i = 2; i < dims.length - 1; i++) {
      if (dims[i] !== h) throw new UserError(`ResidualMLP hidden widths must all equal ${h}; got [${dims.join(', ')}].`);
    }
    const p = key === '' ? '' : `${key}.`;
    this.first = new Linear(`${p}layers.0`, dims[0], h, rng);
    const nBlocks = hiddenLayers / 2;
    for (let b = 1; b <= nBlocks; b++) {
      this.blocks.push({ l1: new Linear(`${p}layers.${b}.l1`, h, h, rng), l2: new Linear(`${p}layers.${b}.l2`, h, h, rng) });
    }
    this.last = new Linear(`${p}layers.${nBlocks + 1}`, h, dims[dims.length - 1], rng);
  }

  /** x [N, I] → [N, O]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.applyFromHidden(this.first.apply(x));
  }

  /** h [N, H] = the output of layers.0 (lets callers compute layers.0 in parts) → [N, O]. */
  applyFromHidden(h: tf.Tensor2D): tf.Tensor2D {
    let x = h;
    for (const { l1, l2 } of this.blocks) {
      const a = activate(x, this.activation);
      x = tf.add(x, l2.apply(l1.apply(a, this.activation))) as tf.Tensor2D;
    }
    return this.last.apply(x);
  }

  linears(): Linear[] {
    return [this.first, ...this.blocks.flatMap((b) => [b.l1, b.l2]), this.last];
  }

  params(): Param[] {
    return this.linears().flatMap((l) => l.params());
  }
}

/**
 * DPPO MLP (spec §3.1, used when residualStyle is false): Linear → act per layer, Identity after the last.
 * Keys `moduleList.{i}.linear_1`. No LayerNorm/dropout (unused by our configs).
 */
export class MLP {
  readonly layers: Linear[] = [];

  constructor(
    readonly key: string,
    readonly dims: number[],
    readonly activation: Activation,
    rng: Rng,
  ) {
    if (dims.length < 2) throw new InternalError(`MLP needs at least two widths; got [${dims.join(', ')}].`);
    const p = key === '' ? '' : `${key}.`;
    for (let i = 0; i + 1 < dims.length; i++) this.layers.push(new Linear(`${p}moduleList.${i}.linear_1`, dims[i], dims[i + 1], rng));
  }

  get first(): Linear {
    return this.layers[0];
  }

  /** x [N, I] → [N, O]. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.applyFromHidden(this.first.apply(x));
  }

  /** h [N, H] = the pre-activation output of layer 0 → [N, O]. */
  applyFromHidden(h: tf.Tensor2D): tf.Tensor2D {
    if (this.layers.length === 1) return h;
    let x = activate(h, this.activation);
    for (let i = 1; i < this.layers.length; i++) {
      const last = i === this.layers.length - 1;
      x = this.layers[i].apply(x, last ? 'identity' : this.activation);
    }
    return x;
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }
}

/** What ResidualMLP and MLP share: callers may compute layer 0 themselves (e.g. in parts) and continue. */
export type MlpHead = ResidualMLP | MLP;

/** Builds the head DPPO would build for `residualStyle`. */
export function makeMlpHead(key: string, dims: number[], activation: Activation, residualStyle: boolean, rng: Rng): MlpHead {
  return residualStyle ? new ResidualMLP(key, dims, activation, rng) : new MLP(key, dims, activation, rng);
}

/**
 * Sinusoidal embedding (spec §3.1) of integer steps computed in JS: ts (length N) → Float32Array [N, dim],
 * all sines then all cosines, freq_j = exp(−j·ln(10000)/(half−1)).
 */
export function sinusoidalEmbeddingTable(ts: ArrayLike<number>, dim: number): Float32Array {
  const half = dim / 2;
  if (!Number.isInteger(half) || half < 2) throw new UserError(`Time embedding width must be an even number ≥ 4; got ${dim}.`);
  const scale = Math.log(10000) / (half - 1);
  const out = new Float32Array(ts.length * dim);
  for (let n = 0; n < ts.length; n++) {
    for (let j = 0; j < half; j++) {
      const arg = ts[n] * Math.exp(-j * scale);
      out[n * dim + j] = Math.sin(arg);
      out[n * dim + half + j] = Math.cos(arg);
    }
  }
  return out;
}

/** Sinusoidal embedding of a float tensor of steps: t [N] → [N, dim] (same formula, on-device). */
export function sinusoidalEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const half = dim / 2;
    const scale = Math.log(10000) / (half - 1);
    const freqs = new Float32Array(half);
    for (let j = 0; j < half; j++) freqs[j] = Math.exp(-j * scale);
    const arg = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.sin(arg), tf.cos(arg)], 1) as tf.Tensor2D;
  });
}

/** Number of scalars in a parameter list. */
export function paramCount(params: Param[]): number {
  return params.reduce((n, p) => n + p.variable.size, 0);
}

/** Reads params into NamedWeights in PyTorch layout with keys `${prefix}${key}` (synchronous read-back). */
export function exportParams(params: Param[], prefix: string, out: NamedWeights = new Map()): NamedWeights {
  for (const p of params) {
    const v = p.variable;
    if (p.transposed) {
      const [i, o] = v.shape;
      const src = v.dataSync() as Float32Array;
      const data = new Float32Array(src.length);
      for (let r = 0; r < i; r++) for (let c = 0; c < o; c++) data[c * i + r] = src[r * o + c];
      out.set(`${prefix}${p.key}`, { shape: [o, i], data });
    } else {
      out.set(`${prefix}${p.key}`, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
  }
  return out;
}

/** Assigns params from NamedWeights (PyTorch layout) under `prefix`; throws UserError on missing/mis-shaped keys. */
export function loadParams(params: Param[], weights: NamedWeights, prefix: string): void {
  const staged: { p: Param; data: Float32Array }[] = [];
  for (const p of params) {
    const key = `${prefix}${p.key}`;
    const w = weights.get(key);
    if (!w) throw new UserError(`Checkpoint is missing weight "${key}".`);
    const want = p.transposed ? [p.variable.shape[1], p.variable.shape[0]] : p.variable.shape;
    if (w.shape.length !== want.length || w.shape.some((d, i) => d !== want[i])) {
      throw new UserError(`Weight "${key}" has shape [${w.shape.join(', ')}], expected [${want.join(', ')}]; the checkpoint does not match this architecture.`);
    }
    if (w.data.length !== p.variable.size) throw new UserError(`Weight "${key}" holds ${w.data.length} values, expected ${p.variable.size}.`);
    staged.push({ p, data: w.data });
  }
  for (const { p, data } of staged) {
    let src = data;
    if (p.transposed) {
      const [i, o] = p.variable.shape;
      src = new Float32Array(data.length);
      for (let r = 0; r < i; r++) for (let c = 0; c < o; c++) src[r * o + c] = data[c * i + r];
    }
    tf.tidy(() => p.variable.assign(tf.tensor(src, p.variable.shape, 'float32')));
  }
}

/** dst ← src value by value (same order and shapes). */
export function copyParams(src: Param[], dst: Param[]): void {
  if (src.length !== dst.length) throw new Error(`copyParams: ${src.length} vs ${dst.length} params`);
  for (let i = 0; i < src.length; i++) dst[i].variable.assign(src[i].variable);
}

/** New variables holding copies of `vars` (e.g. a frozen base actor next to a trainable one). */
export function cloneVariables(vars: tf.Variable[], trainable: boolean): tf.Variable[] {
  return vars.map((v) => tf.variable(v, trainable, uniqueName(v.name.replace(/_\d+$/, ''))));
}

/** Disposes every variable in a param list. */
export function disposeParams(params: Param[]): void {
  for (const p of params) p.variable.dispose();
}
