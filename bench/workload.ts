/**
 * The workload benchmark: the work a run actually does, timed on the active tfjs backend. Used by the
 * in-app benchmark (backend popover), `dppo bench workload` (Node: wasm/cpu) and the e2e parity checks
 * between backends (same seed ⇒ same losses to float32 tolerance).
 *
 * Parts (each optional except the first two):
 * - chain: one sampling chain for `nEnvs` observations (DDPM, training mode, chain recorded — what a rollout
 *   step does; spec/dppo-reference.md §2.7), read back once;
 * - update: one PPO minibatch step of `batchSize` items (actor + critic, AdamW; spec §4.6) through the
 *   training code's own `ppoMinibatchStep`, on a synthetic rollout;
 * - finetune: `iters` whole fine-tuning iterations (rollout, values/log-probs, update) through `finetunePpo`,
 *   with `tf.memory()` after each iteration (tensor count, bytes on the GPU) to show nothing grows;
 * - pretrain: one behaviour-cloning epoch of `batches` minibatches through `pretrainBc` (its mean loss).
 *
 * Timings: one warm-up (shader compilation on GPU backends), then the median of up to `reps` within
 * `budgetMs` (at least one).
 */
import * as tf from '@tensorflow/tfjs';
import type { Algo, FinetuneConfig } from '../src/config/finetune';
import { resolveFinetuneConfig } from '../src/config/finetune';
import { criticConfigFor } from '../src/config/model';
import { Rng } from '../src/core/rng';
import { AdamW } from '../src/policy/adamw';
import type { Checkpoint } from '../src/policy/checkpoint';
import type { NormalizationStats } from '../src/policy/normalizer';
import { CriticObs } from '../src/policy/critic';
import { buildPolicy, policyFromCheckpoint } from '../src/policy/index';
import type { Critic, Policy } from '../src/policy/types';
import { clipCoefficients } from '../src/rl/ppoLoss';
import { actorConfigFor, defaultCheckpointFor, taskFamily } from '../src/sim/registry';
import { finetunePpo } from '../src/train/finetunePpo';
import { ppoMinibatchStepAsync, type UpdateBatch } from '../src/train/ppoUpdate';
import { BC_DEFAULTS, pretrainBc, type BcDataset } from '../src/train/pretrainBc';

/** Sizes of one workload measurement (JSON-able: it travels in the worker protocol). */
export interface WorkloadSpec {
  task: string;
  algo: Algo;
  seed: number;
  /** Chain: observations sampled together (the run's envs). */
  nEnvs: number;
  /** Update: PPO minibatch items. */
  batchSize: number;
  /** Fine-tuning iterations to run (0 = skip). */
  finetuneIters: number;
  finetuneEnvs: number;
  /** Chunk steps per env per iteration. */
  finetuneSteps: number;
  /** Minibatch of the fine-tuning iterations (items); one update epoch. */
  finetuneBatch: number;
  /** Behaviour-cloning minibatches (0 = skip). */
  pretrainBatches: number;
  pretrainBatchSize: number;
  /** Timed repetitions of chain and update (after one warm-up), within budgetMs. */
  reps: number;
  budgetMs: number;
}

/** What the in-app benchmark runs by default: the laptop preset's envs and minibatch, one short iteration. */
export function defaultWorkloadSpec(task: string, algo: Algo = 'dppo'): WorkloadSpec {
  const preset = taskFamily(task).presets.laptop(task, algo, 0);
  return {
    task,
    algo,
    seed: 0,
    nEnvs: preset.nEnvs,
    batchSize: Math.min(preset.batchSize, 1600),
    finetuneIters: 1,
    finetuneEnvs: 4,
    finetuneSteps: 5,
    finetuneBatch: 200,
    pretrainBatches: 4,
    pretrainBatchSize: 128,
    reps: 5,
    budgetMs: 3000,
  };
}

export interface MemoryPoint {
  numTensors: number;
  /** Bytes held on the GPU (WebGL/WebGPU); null on CPU backends. */
  numBytesInGPU: number | null;
}

export interface FinetuneIterationRecord {
  itr: number;
  envSteps: number;
  wallS: number;
  metrics: Record<string, number>;
  memory: MemoryPoint;
}

export interface WorkloadResult {
  backend: string;
  chain: {
    ms: number;
    samplesPerS: number;
    envs: number;
    denoisingSteps: number;
    /** Mean |action| of one seeded training-mode chain and of one evaluation-mode chain (cross-backend parity). */
    actionsAbsMean: number;
    evalActionsAbsMean: number;
  };
  update: { ms: number; samplesPerS: number; batch: number; pgLoss: number; vLoss: number };
  finetune: { msPerItr: number; envStepsPerS: number; iterations: FinetuneIterationRecord[] } | null;
  pretrain: { ms: number; samplesPerS: number; loss: number; batches: number } | null;
  /** Tensors alive after the workload minus before (0 = nothing leaked). */
  leakedTensors: number;
}

export function memoryPoint(): MemoryPoint {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { numTensors: m.numTensors, numBytesInGPU: typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : null };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One warm-up, then the median of up to `reps` runs while `budgetMs` lasts (at least one). */
async function timeMedian(reps: number, budgetMs: number, f: () => Promise<void>): Promise<number> {
  await f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < Math.max(1, reps) && (times.length === 0 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export interface WorkloadInputs {
  checkpoint: Checkpoint;
  /** Needed when spec.pretrainBatches > 0. */
  dataset?: BcDataset & { normalization: NormalizationStats };
  /** Called between parts (progress text). */
  onPart?: (part: 'chain' | 'update' | 'finetune' | 'pretrain') => void;
}

/** The fine-tuning config the workload's iterations use: the laptop preset resized (the run's recorded config). */
export function workloadFinetuneConfig(spec: WorkloadSpec): FinetuneConfig {
  const preset = taskFamily(spec.task).presets.laptop(spec.task, spec.algo, spec.seed);
  return resolveFinetuneConfig(preset, {
    nEnvs: spec.finetuneEnvs,
    nSteps: spec.finetuneSteps,
    nTrainItr: spec.finetuneIters,
    batchSize: spec.finetuneBatch,
    updateEpochs: 1,
    // Every measured iteration does the same work (the preset's critic-only first iteration would not).
    nCriticWarmupItr: 0,
  });
}

/** Runs the workload on the active backend. Leaves no tensors behind. */
export async function runWorkload(spec: WorkloadSpec, inputs: WorkloadInputs): Promise<WorkloadResult> {
  const backend = tf.getBackend();
  const before = tf.memory().numTensors;
  inputs.onPart?.('chain');
  const load = fromCheckpoint(inputs.checkpoint);
  const chain = await timeChain(spec, load);
  inputs.onPart?.('update');
  const update = await timeUpdate(spec, load);
  let finetune: WorkloadResult['finetune'] = null;
  if (spec.finetuneIters > 0) {
    inputs.onPart?.('finetune');
    finetune = await runFinetune(spec, inputs.checkpoint);
  }
  let pretrain: WorkloadResult['pretrain'] = null;
  if (spec.pretrainBatches > 0) {
    if (!inputs.dataset) throw new Error('runWorkload: pretrainBatches > 0 needs a dataset');
    inputs.onPart?.('pretrain');
    pretrain = await runPretrain(spec, inputs.checkpoint, inputs.dataset);
  }
  return { backend, chain, update, finetune, pretrain, leakedTensors: tf.memory().numTensors - before };
}

/** Builds the policy (and critic, when there is one) a part measures. */
type Loader = (rng: Rng) => { policy: Policy; critic?: Critic };

const fromCheckpoint = (ckpt: Checkpoint): Loader => (rng) => policyFromCheckpoint(ckpt, rng);

/** The policy kind a task trains with an algorithm (the bundled checkpoint's name, e.g. diffusion-mlp). */
function policyKind(task: string, algo: Algo): string {
  return defaultCheckpointFor(task, algo).split('/').pop() ?? 'diffusion-mlp';
}

/**
 * What the automatic backend choice compares: ms of one chain for `nEnvs` observations plus one update
 * minibatch of `batchSize` items, with the task's network for `algo` (freshly initialised: the time does not
 * depend on the weights' values). Short: 1 timed rep each after a warm-up.
 */
export async function timeAutoWorkload(w: { task: string; algo: Algo; nEnvs: number; batchSize: number }, budgetMs = 1500): Promise<number> {
  const spec: WorkloadSpec = { ...defaultWorkloadSpec(w.task, w.algo), nEnvs: w.nEnvs, batchSize: w.batchSize, reps: 1, budgetMs: budgetMs / 2 };
  const cfg = actorConfigFor(w.task, policyKind(w.task, w.algo));
  const load: Loader = (rng) => ({ policy: buildPolicy(cfg, rng) });
  const chain = await timeChain(spec, load, false);
  const update = await timeUpdate(spec, load);
  return chain.ms + update.ms;
}

async function timeChain(spec: WorkloadSpec, load: Loader, parity = true): Promise<WorkloadResult['chain']> {
  const rng = new Rng(spec.seed);
  const { policy, critic } = load(rng.fork());
  critic?.dispose();
  const preset = taskFamily(spec.task).presets.laptop(spec.task, spec.algo, spec.seed);
  policy.prepareFinetune?.(preset.ftDenoisingSteps);
  const obsDim = policy.config.obsDim * policy.config.condSteps;
  const obs = tf.randomUniform([spec.nEnvs, obsDim], -1, 1, 'float32', spec.seed + 7) as tf.Tensor2D;
  try {
    const ms = await timeMedian(spec.reps, spec.budgetMs, async () => {
      const r = policy.sample(obs, { deterministic: false, recordChain: true, rng, minSamplingDenoisingStd: preset.minSamplingDenoisingStd, randnClipValue: preset.randnClipValue });
      await r.actions.data();
      if (r.chain) await r.chain.data();
      tf.dispose([r.actions, r.chain ?? []]);
    });
    const steps = (policy as { samplingSteps?: number }).samplingSteps ?? 1;
    const absMean = async (deterministic: boolean): Promise<number> => {
      const r = policy.sample(obs, { deterministic, recordChain: false, rng: new Rng(spec.seed + 11), minSamplingDenoisingStd: preset.minSamplingDenoisingStd, randnClipValue: preset.randnClipValue });
      const m = tf.tidy(() => tf.mean(tf.abs(r.actions)));
      const v = (await m.data())[0];
      tf.dispose([m, r.actions, r.chain ?? [], r.allSteps ?? []]);
      return v;
    };
    const actionsAbsMean = parity ? await absMean(false) : NaN;
    const evalActionsAbsMean = parity ? await absMean(true) : NaN;
    return { ms, samplesPerS: (1000 * spec.nEnvs) / ms, envs: spec.nEnvs, denoisingSteps: steps, actionsAbsMean, evalActionsAbsMean };
  } finally {
    obs.dispose();
    policy.dispose();
  }
}

async function timeUpdate(spec: WorkloadSpec, load: Loader): Promise<WorkloadResult['update']> {
  const rng = new Rng(spec.seed + 1);
  const loaded = load(rng.fork());
  const policy = loaded.policy;
  const critic = loaded.critic ?? new CriticObs(criticConfigFor(policy.config), rng.fork());
  const preset = taskFamily(spec.task).presets.laptop(spec.task, spec.algo, spec.seed);
  policy.prepareFinetune?.(preset.ftDenoisingSteps);
  const P = policy.ppoStepsPerSample;
  const L = policy.chainLength;
  const { horizonSteps: Ta, actionDim: Da } = policy.config;
  const obsDim = policy.config.obsDim * policy.config.condSteps;
  const C = Ta * Da;
  const N = Math.ceil(spec.batchSize / P);
  // A synthetic rollout of N samples (seeded): obs in [−1, 1], chains drifting from noise.
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const batch: UpdateBatch = {
    buf: { nSteps: N, nEnvs: 1, obsDim, chainLength: L, chunkSize: C, obs: fill(N * obsDim, 0.5), chains: fill(N * L * C, 0.5), finalObs: fill(obsDim, 0.5) },
    advantages: fill(N, 1),
    returns: fill(N, 1),
    oldLogp: new Float32Array(N * P),
    clipCoefs: clipCoefficients(P, preset.clipPlossCoefBase, preset.clipPlossCoef, preset.clipPlossCoefRate),
    gammaDenoising: preset.gammaDenoising,
    P,
    Ta,
    Da,
  };
  // Old log-probs 0 (a fixed, seeded input: the timing and the cross-backend comparison need no real ratio).
  const ids = Int32Array.from({ length: spec.batchSize }, (_, i) => i % (N * P));
  const actorOpt = new AdamW(policy.trainableVariables(), { lr: 1e-7, weightDecay: 0 });
  const criticOpt = new AdamW(critic.trainableVariables(), { lr: 1e-7, weightDecay: 0 });
  // The losses of the first step (the number of timed steps depends on the backend's speed).
  let first: { pgLoss: number; vLoss: number } | null = null;
  try {
    const ms = await timeMedian(spec.reps, spec.budgetMs, async () => {
      const s = await ppoMinibatchStepAsync(policy, critic, batch, ids, preset, actorOpt, criticOpt);
      first ??= { pgLoss: s.pgLoss, vLoss: s.vLoss };
    });
    return { ms, samplesPerS: (1000 * spec.batchSize) / ms, batch: spec.batchSize, ...first! };
  } finally {
    actorOpt.dispose();
    criticOpt.dispose();
    critic.dispose();
    policy.dispose();
  }
}

async function runFinetune(spec: WorkloadSpec, ckpt: Checkpoint): Promise<NonNullable<WorkloadResult['finetune']>> {
  const config = workloadFinetuneConfig(spec);
  const iterations: FinetuneIterationRecord[] = [];
  const result = await finetunePpo({
    config,
    checkpoint: ckpt,
    sink: (ev) => {
      if (ev.type === 'iteration') {
        const metrics: Record<string, number> = {};
        for (const [k, v] of Object.entries(ev.metrics)) if (typeof v === 'number') metrics[k] = v;
        iterations.push({ itr: ev.itr, envSteps: ev.envSteps, wallS: ev.wallS, metrics, memory: memoryPoint() });
      }
    },
  });
  result.dispose();
  const per = iterations.map((r, i) => r.wallS - (i > 0 ? iterations[i - 1].wallS : 0));
  const msPerItr = 1000 * median(per.length ? per : [NaN]);
  const envStepsPerItr = config.nEnvs * config.nSteps * ckptActSteps(ckpt);
  return { msPerItr, envStepsPerS: (1000 * envStepsPerItr) / msPerItr, iterations };
}

function ckptActSteps(ckpt: Checkpoint): number {
  return ckpt.actorConfig.actSteps;
}

async function runPretrain(spec: WorkloadSpec, ckpt: Checkpoint, ds: NonNullable<WorkloadInputs['dataset']>): Promise<NonNullable<WorkloadResult['pretrain']>> {
  const t0 = performance.now();
  const out = await pretrainBc({
    ...BC_DEFAULTS,
    actorConfig: ckpt.actorConfig,
    dataset: ds,
    normalization: ds.normalization,
    epochs: 1,
    batchSize: spec.pretrainBatchSize,
    batchesPerEpoch: spec.pretrainBatches,
    seed: spec.seed,
  });
  const ms = performance.now() - t0;
  return { ms, samplesPerS: (1000 * spec.pretrainBatches * spec.pretrainBatchSize) / ms, loss: out.finalLoss, batches: spec.pretrainBatches };
}
