/**
 * AdamW with PyTorch semantics (torch.optim.AdamW; spec/dppo-reference.md §4.7, §6.5):
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr/(1−β1^t))·m / (√v/√(1−β2^t) + ε).
 * ε is explicit (1e-8, torch's default) — tfjs' default depends on the backend (tfjs-backends.md §5).
 *
 * Usage:
 *   const opt = new AdamW(policy.trainableVariables(), { lr: 1e-4 });
 *   const loss = opt.minimize(() => lossFn());   // returns the loss scalar; caller disposes
 * or, with gradients from `tf.variableGrads` (keyed by variable name): `opt.step(grads)`.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAMW_KERNEL, fusedAdamWAvailable, type AdamWAttrs } from './wasmKernels';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  /** Default 1e-8 (torch). */
  epsilon?: number;
  /** Decoupled weight decay; default 0.01 like torch — DPPO fine-tuning passes 0, pre-training 1e-6. */
  weightDecay?: number;
}

/** An optimiser's state (exportState / importState). */
export interface AdamWState {
  stepCount: number;
  lr: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  weightDecay: number;
  /** Number of steps taken (t in the bias correction). */
  stepCount = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly variables: tf.Variable[],
    opts: AdamWOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.m = variables.map((x) => zerosVariable(x));
    this.v = variables.map((x) => zerosVariable(x));
  }

  /** One update from gradients keyed by variable name (as tf.variableGrads returns). Does not dispose grads. */
  step(grads: tf.NamedTensorMap): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const stepSize = this.lr / (1 - b1 ** t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - b2 ** t);
    const decay = 1 - this.lr * this.weightDecay;
    if (fusedAdamWAvailable()) {
      // One pass per tensor on wasm (wasmKernels/), bitwise equal to the ops below.
      const attrs: AdamWAttrs = {
        b1, omb1: 1 - b1, b2, omb2: 1 - b2, invSqrtBc2, eps: this.epsilon, stepSize, decay,
      };
      for (let i = 0; i < this.variables.length; i++) {
        const p = this.variables[i];
        const g = grads[p.name];
        if (g === undefined) continue;
        const outs = tf.engine().runKernel(ADAMW_KERNEL, { p, g, m: this.m[i], v: this.v[i] }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        p.assign(outs[0]);
        this.m[i].assign(outs[1]);
        this.v[i].assign(outs[2]);
        tf.dispose(outs);
      }
      return;
    }
    tf.tidy(() => {
      for (let i = 0; i < this.variables.length; i++) {
        const p = this.variables[i];
        const g = grads[p.name];
        if (g === undefined) continue;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.mul(tf.sqrt(v), invSqrtBc2), this.epsilon);
        const base = decay === 1 ? p : tf.mul(p, decay);
        p.assign(tf.sub(base, tf.mul(tf.div(m, denom), stepSize)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      }
    });
  }

  /**
   * loss + gradients w.r.t. this optimiser's variables, optional global-norm clipping (maxGradNorm > 0),
   * then one step. Returns the loss (caller disposes).
   */
  minimize(lossFn: () => tf.Scalar, maxGradNorm = 0): tf.Scalar {
    const { value, grads } = tf.variableGrads(lossFn, this.variables);
    if (maxGradNorm > 0) {
      const clipped = clipGradNorm(grads, maxGradNorm);
      tf.dispose(grads);
      this.step(clipped.grads);
      tf.dispose([...Object.values(clipped.grads), clipped.norm]);
    } else {
      this.step(grads);
      tf.dispose(grads);
    }
    return value;
  }

  /** Step count, LR and the moments m, v (copied, in variable order): what resuming a run needs. */
  async exportState(): Promise<AdamWState> {
    const copy = async (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => Float32Array.from((await x.data()) as Float32Array)));
    return { stepCount: this.stepCount, lr: this.lr, m: await copy(this.m), v: await copy(this.v) };
  }

  /** Puts back a state from `exportState` of an optimiser over variables of the same shapes. */
  importState(s: AdamWState): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) {
      throw new Error(`AdamW state holds ${s.m.length} moments but this optimiser has ${this.m.length} variables.`);
    }
    tf.tidy(() => {
      for (let i = 0; i < this.m.length; i++) {
        if (s.m[i].length !== this.m[i].size || s.v[i].length !== this.v[i].size) throw new Error(`AdamW state: moment ${i} has the wrong size.`);
        this.m[i].assign(tf.tensor(s.m[i], this.m[i].shape, 'float32'));
        this.v[i].assign(tf.tensor(s.v[i], this.v[i].shape, 'float32'));
      }
    });
    this.stepCount = s.stepCount;
    this.lr = s.lr;
  }

  dispose(): void {
    for (const x of this.m) x.dispose();
    for (const x of this.v) x.dispose();
  }
}

/** ‖g‖₂ over every tensor of `grads` together (torch.nn.utils.clip_grad_norm_'s total_norm, p = 2). */
export function globalGradNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => {
    const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return (sq.length === 0 ? tf.scalar(0) : tf.sqrt(tf.addN(sq))) as tf.Scalar;
  });
}

/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): scales every gradient by min(1, maxNorm / (‖g‖₂ + 1e-6)), ‖g‖₂
 * the global norm over all of them, so the clipped norm is ≤ maxNorm and gradients below it are left as they
 * are (factor exactly 1). Returns new tensors and the pre-clip norm; the caller disposes both.
 * `maxNorm` must be > 0 (callers treat 0 as "off" and skip the call).
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  return tf.tidy(() => {
    const norm = globalGradNorm(grads);
    const coef = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, coef);
    return { grads: out, norm };
  });
}

/** A non-trainable zero variable shaped like x (the temporary zeros tensor is released). */
function zerosVariable(x: tf.Tensor): tf.Variable {
  const z = tf.zerosLike(x);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}
