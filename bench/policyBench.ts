/**
 * Policy micro-benchmarks behind `dppo bench sample|update` (targets: 2-core box, wasm, Node):
 * - sample: one DDPM chain (K = 20, K′ = 10, training mode, chain recorded) for `envs` observations ≤ 40 ms
 *   at B = 40 with the Hopper-sized actor;
 * - update: one PPO actor step (logProb forward + backward + AdamW) at batch 256 ≤ 60 ms.
 * Both return plain JSON-able objects: the median over `reps` after warm-up; `matmul_floor_ms`, the hidden-layer
 * matMuls alone (2 per chain step; 6 per update) at about the same moment; on wasm also `xnnpack_ref_ms` and
 * `spec_speed_ms` (timeWithReference: the figure scaled to the speed of the machine the targets were set on,
 * because this VM's speed drifts by up to 1.6× for seconds at a time).
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionMlpConfig } from '../src/config/model';
import { criticConfigFor } from '../src/config/model';
import { actorConfigFor, defaultTaskId } from '../src/sim/registry';
import { Rng } from '../src/core/rng';
import { AdamW } from '../src/policy/adamw';
import { CriticObs } from '../src/policy/critic';
import { DiffusionMlpPolicy } from '../src/policy/diffusion';
import { initTf, type BackendName } from '../src/policy/tfSetup';
import { timeXnnpackMatMul, wasmKernelsLabel } from '../src/policy/wasmKernels';

/** A registered task id: the bench uses that task's diffusion-mlp network (spec §3.6). */
export type BenchTask = string;

function actorFor(task: BenchTask): DiffusionMlpConfig {
  const cfg = actorConfigFor(task, 'diffusion-mlp');
  if (cfg.kind !== 'diffusion-mlp') throw new Error(`${task}'s diffusion-mlp network has kind ${cfg.kind}`);
  return cfg;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function timeIt(reps: number, warmup: number, f: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    ts.push(performance.now() - t0);
  }
  return ts;
}

/** wasm matMul/AdamW: our SIMD kernels (default) or tfjs' XNNPACK ones. */
export type BenchKernels = 'dppo' | 'xnnpack';

/** XNNPACK 256×512·512×512 matMul on the machine spec/tfjs-backends.md §3.1 measured (the targets' machine). */
export const SPEC_XNNPACK_MATMUL_MS = 8.5;

/**
 * Times `f` in blocks of `perBlock` reps, each followed by a 5-rep XNNPACK 256×512·512×512 matMul reference
 * taken at the same moment (wasm only). Returns all rep times and, per block, median(f) scaled to the spec
 * machine's speed: median × SPEC_XNNPACK_MATMUL_MS / reference. This VM alternates between speeds for
 * seconds at a time (≈ 1.6× apart); the scaled figure is comparable across runs and with the targets.
 */
async function timeWithReference(reps: number, warmup: number, f: () => Promise<void>, wasm: boolean): Promise<{ times: number[]; scaled: number[]; refs: number[] }> {
  for (let i = 0; i < warmup; i++) await f();
  const perBlock = 10;
  const times: number[] = [];
  const scaled: number[] = [];
  const refs: number[] = [];
  const a = tf.randomNormal([256, 512], 0, 1, 'float32', 1);
  const w = tf.randomNormal([512, 512], 0, 1, 'float32', 2);
  try {
    for (let done = 0; done < reps; done += perBlock) {
      const block = await timeIt(Math.min(perBlock, reps - done), 0, f);
      times.push(...block);
      if (!wasm) continue;
      const ref = median(Array.from({ length: 5 }, () => timeXnnpackMatMul(a, w)));
      refs.push(ref);
      scaled.push((median(block) * SPEC_XNNPACK_MATMUL_MS) / ref);
    }
  } finally {
    tf.dispose([a, w]);
  }
  return { times, scaled, refs };
}

export interface BenchSampleOptions {
  task?: BenchTask;
  backend?: string;
  kernels?: BenchKernels;
  envs?: number;
  reps?: number;
}

/** Median ms of one denoising chain (training mode with chain, and eval mode), read back once. */
export async function benchSample(opts: BenchSampleOptions = {}): Promise<Record<string, unknown>> {
  const task = opts.task ?? defaultTaskId();
  const backend = await initTf((opts.backend ?? 'wasm') as BackendName, { fastKernels: opts.kernels !== 'xnnpack' });
  const envs = opts.envs ?? 40;
  const reps = opts.reps ?? 20;
  const cfg = actorFor(task);
  const rng = new Rng(1);
  const policy = new DiffusionMlpPolicy(cfg, rng.fork());
  policy.prepareFinetune(10);
  const obs = tf.randomUniform([envs, cfg.obsDim], -1, 1, 'float32', 7) as tf.Tensor2D;
  const tensorsBefore = tf.memory().numTensors;
  try {
    const run = (deterministic: boolean, recordChain: boolean) => async () => {
      const r = policy.sample(obs, { deterministic, recordChain, rng, minSamplingDenoisingStd: 0.1, randnClipValue: 3 });
      await r.actions.data();
      if (r.chain) await r.chain.data();
      tf.dispose([r.actions, r.chain ?? []]);
    };
    const { times: train, scaled, refs } = await timeWithReference(reps, 3, run(false, true), backend === 'wasm');
    const evalMs = await timeIt(reps, 2, run(true, false));
    const floor = await matMulFloor(envs, cfg.mlpDims[0], 2 * cfg.denoisingSteps, reps);
    const ms = median(train);
    return {
      task,
      backend,
      envs,
      reps,
      denoising_steps: cfg.denoisingSteps,
      ft_denoising_steps: policy.ftDenoisingSteps,
      params: paramTotal(policy.pretrainVariables()),
      median_ms: round(ms),
      min_ms: round(Math.min(...train)),
      chains_per_s: round(1000 / ms),
      env_steps_per_s: round((1000 / ms) * envs * cfg.actSteps),
      eval_median_ms: round(median(evalMs)),
      matmul_floor_ms: round(floor),
      kernels: backend === 'wasm' ? wasmKernelsLabel() : backend,
      ...referenceFields(scaled, refs),
      leaked_tensors: tf.memory().numTensors - tensorsBefore,
    };
  } finally {
    obs.dispose();
    policy.dispose();
  }
}

export interface BenchUpdateOptions {
  task?: BenchTask;
  backend?: string;
  kernels?: BenchKernels;
  batch?: number;
  reps?: number;
}

/**
 * Median ms of one PPO actor step on M = batch items (logProb fwd + bwd + AdamW, clipped-ratio surrogate),
 * one critic step (value MSE + AdamW), and both together.
 */
export async function benchUpdate(opts: BenchUpdateOptions = {}): Promise<Record<string, unknown>> {
  const task = opts.task ?? defaultTaskId();
  const backend = await initTf((opts.backend ?? 'wasm') as BackendName, { fastKernels: opts.kernels !== 'xnnpack' });
  const M = opts.batch ?? 256;
  const reps = opts.reps ?? 20;
  const cfg = actorFor(task);
  const rng = new Rng(2);
  const policy = new DiffusionMlpPolicy(cfg, rng.fork());
  const K1 = 10;
  policy.prepareFinetune(K1);
  const critic = new CriticObs(criticConfigFor(cfg), rng.fork());
  const actorOpt = new AdamW(policy.trainableVariables(), { lr: 1e-4, weightDecay: 0 });
  const criticOpt = new AdamW(critic.trainableVariables(), { lr: 1e-3, weightDecay: 0 });
  const shape3: [number, number, number] = [M, cfg.horizonSteps, cfg.actionDim];
  const obs = tf.randomUniform([M, cfg.obsDim], -1, 1, 'float32', 1) as tf.Tensor2D;
  const prev = tf.randomNormal(shape3, 0, 1, 'float32', 2) as tf.Tensor3D;
  const next = tf.randomNormal(shape3, 0, 0.5, 'float32', 3) as tf.Tensor3D;
  const steps = tf.tensor1d(Int32Array.from({ length: M }, (_, i) => i % K1), 'int32');
  const adv = tf.randomNormal([M], 0, 1, 'float32', 4) as tf.Tensor1D;
  const returns = tf.randomNormal([M], 0, 1, 'float32', 5) as tf.Tensor1D;
  const lpOpts = { minLogprobDenoisingStd: 0.1, actSteps: cfg.actSteps };
  const oldLogp = tf.tidy(() => policy.logProb(obs, prev, next, steps, lpOpts));
  const tensorsBefore = tf.memory().numTensors;
  const actorStep = async () => {
    const loss = actorOpt.minimize(() => {
      const ratio = tf.exp(tf.sub(policy.logProb(obs, prev, next, steps, lpOpts), oldLogp));
      const pg = tf.maximum(tf.neg(tf.mul(adv, ratio)), tf.neg(tf.mul(adv, tf.clipByValue(ratio, 0.99, 1.01))));
      return tf.mean(pg) as tf.Scalar;
    });
    await loss.data();
    loss.dispose();
  };
  const criticStep = async () => {
    const loss = criticOpt.minimize(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(critic.value(obs), returns)))) as tf.Scalar);
    await loss.data();
    loss.dispose();
  };
  try {
    const { times: actor, scaled, refs } = await timeWithReference(reps, 3, actorStep, backend === 'wasm');
    const criticMs = await timeIt(reps, 3, criticStep);
    const fwd = await timeIt(reps, 2, async () => {
      const lp = policy.logProb(obs, prev, next, steps, lpOpts);
      await lp.data();
      lp.dispose();
    });
    const floor = await matMulFloor(M, cfg.mlpDims[0], 6, reps);
    const ms = median(actor);
    return {
      task,
      backend,
      batch: M,
      reps,
      actor_params: paramTotal(policy.trainableVariables()),
      median_ms: round(ms),
      min_ms: round(Math.min(...actor)),
      steps_per_s: round(1000 / ms),
      logprob_forward_ms: round(median(fwd)),
      matmul_floor_ms: round(floor),
      kernels: backend === 'wasm' ? wasmKernelsLabel() : backend,
      ...referenceFields(scaled, refs),
      critic_median_ms: round(median(criticMs)),
      actor_plus_critic_ms: round(ms + median(criticMs)),
      leaked_tensors: tf.memory().numTensors - tensorsBefore,
    };
  } finally {
    tf.dispose([obs, prev, next, steps, adv, returns, oldLogp]);
    actorOpt.dispose();
    criticOpt.dispose();
    critic.dispose();
    policy.dispose();
  }
}

/**
 * Median ms of `count` plain [rows, h]·[h, h] matMuls — the compute floor of a chain (two hidden matMuls per
 * step). Reported next to the chain time because this 2-core machine is shared and timings drift.
 */
async function matMulFloor(rows: number, h: number, count: number, reps: number): Promise<number> {
  const a = tf.randomNormal([rows, h], 0, 1, 'float32', 1) as tf.Tensor2D;
  const w = tf.randomNormal([h, h], 0, 1, 'float32', 2) as tf.Tensor2D;
  try {
    const ts = await timeIt(reps, 2, async () => {
      const outs: tf.Tensor[] = [];
      for (let i = 0; i < count; i++) outs.push(tf.matMul(a, w));
      await outs[count - 1].data();
      tf.dispose(outs);
    });
    return median(ts);
  } finally {
    tf.dispose([a, w]);
  }
}

/**
 * `xnnpack_ref_ms`: median of the same-moment XNNPACK references (the spec machine: 8.5 ms);
 * `spec_speed_ms`: median over blocks of the timing scaled to the spec machine's speed (timeWithReference).
 */
function referenceFields(scaled: number[], refs: number[]): Record<string, number> {
  if (refs.length === 0) return {};
  return { xnnpack_ref_ms: round(median(refs)), spec_speed_ms: round(median(scaled)) };
}

function paramTotal(vars: tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}
