/**
 * Reverse-diffusion step plans and the sampling chain (spec/dppo-reference.md §2.3–§2.7).
 *
 * Both DDPM and DDIM steps reduce to the same per-step scalars (all rows of a chain share t):
 *   x0_hat = clamp(sr·x − srm1·ε, ±clip);  μ = c1·x0_hat + c2·x;  x' = μ + std·z,  z ~ N(0,1) clamped.
 * DDPM: sr = √(1/ᾱ_t), srm1 = √(1/ᾱ_t − 1), c1/c2 = posterior mean coefficients (§2.3).
 * DDIM (§2.5): with a = ᾱ[t_i], a′ = ᾱ of the next DDIM step (1 at the end), σ = max(η·σ₁, 1e-10) and
 *   d = √max(1 − a′ − σ², 0), the recomputed-ε form μ = √a′·x0 + d·(x − √a·x0)/√(1−a) gives
 *   c1 = √a′ − d·√a/√(1−a), c2 = d/√(1−a).
 *
 * Shape legend: B batch, K denoising steps, K′ fine-tuned steps, S DDIM steps, Ta horizon, Da action dim.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionSchedule } from './schedule';
import { ddimSteps } from './schedule';
import type { DenoiserNet, HostChainEvaluator } from './denoiser';

/** One reverse step in sampling order. */
export interface StepPlan {
  /** Integer timestep fed to the network. */
  t: number;
  /** Run the fine-tuned actor (t < K′ for DDPM; DDIM index ≥ S − K′). */
  ft: boolean;
  sr: number;
  srm1: number;
  c1: number;
  c2: number;
  /** Natural std of the step (DDPM: √posterior var; DDIM: σ). */
  std: number;
}

/** Sampling mode (§2.4). */
export interface SampleMode {
  deterministic: boolean;
  /** Training std floor at every step (σ_min^exp). */
  minSamplingDenoisingStd: number;
}

/** DDPM plan t = K−1 … 0 for `ftSteps` = K′ (0 = base actor everywhere). */
export function ddpmPlan(s: DiffusionSchedule, ftSteps: number): StepPlan[] {
  const plan: StepPlan[] = [];
  for (let t = s.K - 1; t >= 0; t--) {
    plan.push({
      t,
      ft: t < ftSteps,
      sr: s.sqrtRecipAlphasCumprod[t],
      srm1: s.sqrtRecipm1AlphasCumprod[t],
      c1: s.posteriorMeanCoef1[t],
      c2: s.posteriorMeanCoef2[t],
      std: Math.exp(0.5 * s.posteriorLogVarianceClipped[t]),
    });
  }
  return plan;
}

/** DDIM plan over the S "leading" timesteps with noise scale η (1 in training, 0 at eval; §2.5). */
export function ddimPlan(s: DiffusionSchedule, S: number, ftSteps: number, eta: number): StepPlan[] {
  return ddimSteps(s, S).map(({ t, a, aPrev, sigmaEta1 }, i) => {
    const sigma = Math.max(eta * sigmaEta1, 1e-10);
    const d = Math.sqrt(Math.max(1 - aPrev - sigma * sigma, 0));
    const om = Math.sqrt(1 - a);
    return {
      t,
      ft: i >= S - ftSteps,
      sr: 1 / Math.sqrt(a),
      srm1: om / Math.sqrt(a),
      c1: Math.sqrt(aPrev) - (d * Math.sqrt(a)) / om,
      c2: d / om,
      std: sigma,
    };
  });
}

/** Std actually used when sampling step `index` of `plan` (§2.4; DDIM eval is noiseless, §2.5). */
export function samplingStd(plan: StepPlan[], index: number, mode: SampleMode, ddim: boolean): number {
  const { std } = plan[index];
  if (!mode.deterministic) return Math.max(std, mode.minSamplingDenoisingStd);
  if (ddim) return 0;
  return plan[index].t === 0 ? 0 : Math.max(std, 1e-3);
}

export interface ChainArgs {
  /** [B, To·Do] */
  obs: tf.Tensor2D;
  plan: StepPlan[];
  /** Std per plan entry (samplingStd). */
  stds: number[];
  base: DenoiserNet;
  /** Fine-tuned actor; null = base everywhere. */
  ft: DenoiserNet | null;
  denoisedClipValue: number;
  randnClipValue: number;
  /** Seed of the single randomNormal draw covering x_K and every step's z. */
  seed: number;
  horizonSteps: number;
  actionDim: number;
  /**
   * Chain recording starts with the OUTPUT of plan index `chainFrom` (−1 = the initial noise) and holds every
   * later x: K′+1 entries when chainFrom = len − K′ − 1 (§2.7). null = no chain.
   */
  chainFrom: number | null;
  recordAllSteps: boolean;
}

export interface ChainResult {
  /** [B, Ta, Da] */
  actions: tf.Tensor3D;
  /** [B, L, Ta, Da] */
  chain?: tf.Tensor4D;
  /** [len+1, B, Ta, Da] (x_K … x_0) */
  allSteps?: tf.Tensor4D;
}

type Evaluate = (x: tf.Tensor2D, planIndex: number) => tf.Tensor2D;

/** ε-evaluator per plan index, routing each step to the base or fine-tuned actor. Call inside a tf.tidy. */
function makeEvaluator(args: ChainArgs): Evaluate {
  const { obs, plan, base, ft } = args;
  const baseTs = plan.filter((p) => !(p.ft && ft)).map((p) => p.t);
  const ftTs = plan.filter((p) => p.ft && ft).map((p) => p.t);
  const evalBase = baseTs.length > 0 ? base.chainEvaluator(obs, baseTs) : null;
  const evalFt = ft && ftTs.length > 0 ? ft.chainEvaluator(obs, ftTs) : null;
  return (x, i) => {
    const p = plan[i];
    const f = p.ft && evalFt ? evalFt : evalBase;
    if (f === null) throw new Error('runChain: no evaluator for this step');
    return f(x, p.t);
  };
}

/** True on backends whose synchronous read-back is a plain memory copy (wasm, cpu). */
/**
 * makeEvaluator on host arrays (DenoiserNet.hostChainEvaluator) when every network the plan uses has one;
 * else null. Call inside a tf.tidy; dispose after the chain.
 */
function makeHostEvaluator(args: ChainArgs): HostChainEvaluator | null {
  const { obs, plan, base, ft } = args;
  const baseTs = plan.filter((p) => !(p.ft && ft)).map((p) => p.t);
  const ftTs = plan.filter((p) => p.ft && ft).map((p) => p.t);
  const made: HostChainEvaluator[] = [];
  const make = (net: DenoiserNet, ts: number[]): HostChainEvaluator | null | undefined => {
    if (ts.length === 0) return undefined;
    const e = net.hostChainEvaluator?.(obs, ts) ?? null;
    if (e) made.push(e);
    return e;
  };
  const dispose = () => made.forEach((e) => e.dispose());
  let evalBase: HostChainEvaluator | null | undefined;
  let evalFt: HostChainEvaluator | null | undefined;
  try {
    evalBase = make(base, baseTs);
    evalFt = ft ? make(ft, ftTs) : undefined;
  } catch (e) {
    dispose();
    throw e;
  }
  if (evalBase === null || evalFt === null) {
    dispose();
    return null;
  }
  return {
    evaluate: (x, i) => {
      const p = plan[i];
      const e = p.ft && evalFt ? evalFt : evalBase;
      if (!e) throw new Error('runChain: no evaluator for this step');
      return e.evaluate(x, p.t);
    },
    dispose,
  };
}

export function hostReadbackIsCheap(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

/**
 * Runs one whole chain and returns only the requested outputs. On wasm/cpu the per-step update runs on the
 * host (one ε read-back per step replaces ~9 tiny tensor ops, each with ~25 µs of dispatch overhead); on
 * GPU backends everything stays on the device inside one tf.tidy. Both use the same seeded noise draw.
 */
export function runChain(args: ChainArgs, hostUpdate = hostReadbackIsCheap()): ChainResult {
  return hostUpdate ? runChainHost(args) : runChainDevice(args);
}

/** One seeded draw for x_K and every step's z (tfjs-backends.md §5): [len+1, B, Ta·Da]. */
function drawNoise(args: ChainArgs, B: number, flat: number): tf.Tensor3D {
  return tf.randomNormal([args.plan.length + 1, B, flat], 0, 1, 'float32', args.seed);
}

function runChainDevice(args: ChainArgs): ChainResult {
  const { obs, plan, stds } = args;
  const B = obs.shape[0];
  const Ta = args.horizonSteps;
  const Da = args.actionDim;
  const flat = Ta * Da;
  return tf.tidy(() => {
    const evaluate = makeEvaluator(args);
    const [x0Noise, stepNoise] = tf.split(drawNoise(args, B, flat), [1, plan.length], 0);
    // Every step's std·clip(z) in one op up front (one dispatch instead of one per step; no read-back).
    const stdT = tf.tensor3d(Float32Array.from(stds), [plan.length, 1, 1]);
    const zs = tf.unstack(tf.mul(tf.clipByValue(stepNoise, -args.randnClipValue, args.randnClipValue), stdT)) as tf.Tensor2D[];
    let x = tf.reshape(x0Noise, [B, flat]) as tf.Tensor2D;
    const chain: tf.Tensor2D[] = [];
    const all: tf.Tensor2D[] = [];
    if (args.recordAllSteps) all.push(x);
    if (args.chainFrom === -1) chain.push(x);
    const clip = args.denoisedClipValue;
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i];
      const eps = evaluate(x, i);
      const x0 = tf.clipByValue(tf.sub(tf.mul(x, p.sr), tf.mul(eps, p.srm1)), -clip, clip);
      let next = tf.add(tf.mul(x0, p.c1), tf.mul(x, p.c2)) as tf.Tensor2D;
      if (stds[i] > 0) next = tf.add(next, zs[i]);
      x = next;
      if (args.recordAllSteps) all.push(x);
      if (args.chainFrom !== null && i >= args.chainFrom) chain.push(x);
    }
    const out: ChainResult = { actions: tf.reshape(x, [B, Ta, Da]) };
    if (args.chainFrom !== null) out.chain = tf.reshape(tf.stack(chain, 1), [B, chain.length, Ta, Da]);
    if (args.recordAllSteps) out.allSteps = tf.reshape(tf.stack(all, 0), [all.length, B, Ta, Da]);
    return out as unknown as tf.TensorContainer;
  }) as unknown as ChainResult;
}

function runChainHost(args: ChainArgs): ChainResult {
  const { obs, plan, stds } = args;
  const B = obs.shape[0];
  const Ta = args.horizonSteps;
  const Da = args.actionDim;
  const flat = Ta * Da;
  const size = B * flat;
  const noiseT = drawNoise(args, B, flat);
  const noise = noiseT.dataSync() as Float32Array;
  noiseT.dispose();
  let x = noise.slice(0, size);
  const chain: Float32Array[] = args.chainFrom === -1 ? [x] : [];
  const all: Float32Array[] = args.recordAllSteps ? [x] : [];
  const clip = args.denoisedClipValue;
  const zClip = args.randnClipValue;
  tf.tidy(() => {
    // Direct wasm kernel calls when the networks support them (bitwise equal), else tfjs ops.
    const host = makeHostEvaluator(args);
    const evaluate = host ? null : makeEvaluator(args);
    const evalStep = (xs: Float32Array, i: number): Float32Array => {
      if (host) return host.evaluate(xs, i);
      const epsT = tf.tidy(() => evaluate!(tf.tensor2d(xs, [B, flat]), i));
      const e = epsT.dataSync() as Float32Array;
      epsT.dispose();
      return e;
    };
    try {
      for (let i = 0; i < plan.length; i++) {
        const { sr, srm1, c1, c2 } = plan[i];
        const std = stds[i];
        const eps = evalStep(x, i);
        const next = new Float32Array(size);
        const zOff = (i + 1) * size;
        for (let j = 0; j < size; j++) {
          const x0 = Math.min(Math.max(sr * x[j] - srm1 * eps[j], -clip), clip);
          let v = c1 * x0 + c2 * x[j];
          if (std > 0) v += std * Math.min(Math.max(noise[zOff + j], -zClip), zClip);
          next[j] = v;
        }
        x = next;
        if (args.recordAllSteps) all.push(x);
        if (args.chainFrom !== null && i >= args.chainFrom) chain.push(x);
      }
    } finally {
      host?.dispose();
    }
  });
  const out: ChainResult = { actions: tf.tensor3d(x, [B, Ta, Da]) };
  if (args.chainFrom !== null) {
    const L = chain.length;
    const data = new Float32Array(B * L * flat);
    for (let b = 0; b < B; b++) {
      for (let l = 0; l < L; l++) data.set(chain[l].subarray(b * flat, (b + 1) * flat), (b * L + l) * flat);
    }
    out.chain = tf.tensor4d(data, [B, L, Ta, Da]);
  }
  if (args.recordAllSteps) {
    const data = new Float32Array(all.length * size);
    all.forEach((a, k) => data.set(a, k * size));
    out.allSteps = tf.tensor4d(data, [all.length, B, Ta, Da]);
  }
  return out;
}
