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
 * - pretrain: one behaviour-cloning epoch of `batches` minibatches through `pretrainBc` (its mean loss);
 * - coverage (coverItrs > 0; the GPU parity checks): the other engine paths, tiny — `coverItrs` Gaussian-PPO
 *   and GMM-PPO fine-tuning iterations (their bundled checkpoints), one evaluation round through `evaluate`
 *   (eval-mode sampling, spec §2.4; episodes cut to two chunks, the shortest that counts, spec §4.2), the
 *   inspector's sampling (every denoising step recorded, as `inspect` in src/workers/trainRuns.ts asks for
 *   the action clouds, paper Fig. 11) and a seeded DPPO Unet1D denoiser (spec §3.3,
 *   `model/diffusion/unet.py`) sampling a chain in both modes.
 *
 * Timings: one warm-up (shader compilation on GPU backends), then the median of up to `reps` within
 * `budgetMs` (at least one); a warm-up that alone outlasts `budgetMs` (a software GPU) is the measurement.
 */
import * as tf from '@tensorflow/tfjs';
import type { Algo, FinetuneConfig } from '../src/config/finetune';
import { resolveFinetuneConfig } from '../src/config/finetune';
import { criticConfigFor, type DiffusionUnetConfig } from '../src/config/model';
import { Rng } from '../src/core/rng';
import { AdamW } from '../src/policy/adamw';
import type { Checkpoint } from '../src/policy/checkpoint';
import type { NormalizationStats } from '../src/policy/normalizer';
import { CriticObs } from '../src/policy/critic';
import { buildPolicy, policyFromCheckpoint } from '../src/policy/index';
import type { Critic, Policy } from '../src/policy/types';
import { clipCoefficients } from '../src/rl/ppoLoss';
import { actorConfigFor, defaultCheckpointFor, taskFamily } from '../src/sim/registry';
import { evaluate } from '../src/train/evaluate';
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
  /** Coverage of the other engine paths (Gaussian/GMM iterations each, eval, inspector, UNet); 0/absent = skip. */
  coverItrs?: number;
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
  coverage: CoverageResult | null;
  /** Tensors alive after the workload minus before (0 = nothing leaked). */
  leakedTensors: number;
}

/** What the coverage part measured (every number is compared across backends on the same seed). */
export interface CoverageResult {
  gaussian: FinetuneIterationRecord[];
  gmm: FinetuneIterationRecord[];
  /** One evaluation round (eval-mode chains through the env). */
  evaluate: { episodes: number; avgReturn: number; avgBestReward: number; successRate: number; traceAbsMean: number };
  /** Inspector sampling: recorded steps (K + 1) and the mean |first action| at each of them. */
  inspector: { steps: number; absMeanPerStep: number[] };
  /** The Unet1D denoiser: its K, and the mean |action| of a training-mode (chain recorded) and an eval-mode chain. */
  unet: { denoisingSteps: number; chainLength: number; actionsAbsMean: number; evalActionsAbsMean: number; chainAbsMean: number };
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

/**
 * One warm-up, then the median of up to `reps` runs while `budgetMs` lasts (at least one). A warm-up that
 * alone outlasts the budget (a software GPU adapter) is the measurement: repeating it would only cost time.
 */
async function timeMedian(reps: number, budgetMs: number, f: () => Promise<void>): Promise<number> {
  const w0 = performance.now();
  await f();
  const warm = performance.now() - w0;
  if (budgetMs > 0 && warm > budgetMs) return warm;
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
  /** Needed when spec.coverItrs > 0: the task's Gaussian and GMM checkpoints. */
  coverCheckpoints?: { gaussian: Checkpoint; gmm: Checkpoint };
  /** Called between parts (progress text). */
  onPart?: (part: 'chain' | 'update' | 'finetune' | 'pretrain' | 'coverage') => void;
}

/** The fine-tuning config the workload's iterations use: the laptop preset resized (the run's recorded config). */
export function workloadFinetuneConfig(spec: WorkloadSpec, algo: Algo = spec.algo): FinetuneConfig {
  const preset = taskFamily(spec.task).presets.laptop(spec.task, algo, spec.seed);
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
  let coverage: CoverageResult | null = null;
  if ((spec.coverItrs ?? 0) > 0) {
    if (!inputs.coverCheckpoints) throw new Error('runWorkload: coverItrs > 0 needs the Gaussian and GMM checkpoints');
    inputs.onPart?.('coverage');
    coverage = await runCoverage(spec, inputs.checkpoint, inputs.coverCheckpoints);
  }
  return { backend, chain, update, finetune, pretrain, coverage, leakedTensors: tf.memory().numTensors - before };
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

async function runFinetune(spec: WorkloadSpec, ckpt: Checkpoint, algo: Algo = spec.algo): Promise<NonNullable<WorkloadResult['finetune']>> {
  const config = algo === spec.algo ? workloadFinetuneConfig(spec) : workloadFinetuneConfig({ ...spec, finetuneIters: spec.coverItrs ?? 1, finetuneBatch: spec.finetuneEnvs * spec.finetuneSteps }, algo);
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

const absMeanOf = async (t: tf.Tensor): Promise<number> => {
  const m = tf.tidy(() => tf.mean(tf.abs(t)));
  const v = (await m.data())[0];
  m.dispose();
  return v;
};

async function runCoverage(spec: WorkloadSpec, ckpt: Checkpoint, other: { gaussian: Checkpoint; gmm: Checkpoint }): Promise<CoverageResult> {
  const gaussian = (await runFinetune(spec, other.gaussian, 'gaussian')).iterations;
  const gmm = (await runFinetune(spec, other.gmm, 'gmm')).iterations;
  const preset = taskFamily(spec.task).presets.laptop(spec.task, spec.algo, spec.seed);
  const actSteps = ckpt.actorConfig.actSteps;
  // The eval paths' trace points (Avoid: the tip's x, y) show where the eval-mode actions took the envs.
  let traceSum = 0;
  let traceN = 0;
  const ev = await evaluate({
    sink: (e) => {
      if (e.type !== 'paths') return;
      for (const p of e.paths) {
        for (const v of p.points) traceSum += Math.abs(v);
        traceN += p.points.length;
      }
    },
    task: spec.task,
    checkpoint: ckpt,
    episodes: spec.finetuneEnvs,
    nEnvs: spec.finetuneEnvs,
    seed: spec.seed + 3,
    maxEpisodeSteps: 2 * actSteps,
    minSamplingDenoisingStd: preset.minSamplingDenoisingStd,
    randnClipValue: preset.randnClipValue,
  });
  const evaluation = { episodes: ev.episodes, avgReturn: ev.avg_return, avgBestReward: ev.avg_best_reward, successRate: ev.success_rate, traceAbsMean: traceN ? traceSum / traceN : NaN };

  // The inspector's request path: n copies of one state, every denoising step recorded (trainRuns.ts `inspect`).
  const { policy } = policyFromCheckpoint(ckpt, new Rng(spec.seed + 5));
  const obsDim = policy.config.obsDim * policy.config.condSteps;
  const inspector: CoverageResult['inspector'] = { steps: 0, absMeanPerStep: [] };
  try {
    const state = Array.from({ length: obsDim }, (_, i) => 0.5 * Math.sin(i + 1));
    const obs = tf.tensor2d(Array.from({ length: spec.nEnvs }, () => state).flat(), [spec.nEnvs, obsDim]);
    const r = policy.sample(obs, { deterministic: false, recordChain: false, recordAllSteps: true, rng: new Rng(spec.seed + 13), minSamplingDenoisingStd: preset.minSamplingDenoisingStd, randnClipValue: preset.randnClipValue });
    const all = r.allSteps ?? (r.actions.expandDims(0) as tf.Tensor4D);
    const perStep = tf.tidy(() => tf.mean(tf.abs(all.slice([0, 0, 0, 0], [all.shape[0], spec.nEnvs, 1, policy.config.actionDim])), [1, 2, 3]));
    inspector.steps = all.shape[0];
    inspector.absMeanPerStep = Array.from(await perStep.data());
    tf.dispose([obs, perStep, r.actions, r.chain ?? [], r.allSteps ?? []]);
  } finally {
    policy.dispose();
  }
  return { gaussian, gmm, evaluate: evaluation, inspector, unet: await runUnet(spec, ckpt) };
}

/** A seeded Unet1D denoiser with the task's dims and few denoising steps (DPPO `model/diffusion/unet.py`). */
export function coverageUnetConfig(ckpt: Checkpoint): DiffusionUnetConfig {
  const a = ckpt.actorConfig;
  return {
    kind: 'diffusion-unet', obsDim: a.obsDim, actionDim: a.actionDim, condSteps: a.condSteps, horizonSteps: a.horizonSteps, actSteps: a.actSteps,
    denoisingSteps: 4, denoisedClipValue: 1, diffusionStepEmbedDim: 16, dim: 16, dimMults: a.horizonSteps % 2 === 0 ? [1, 2] : [1],
    kernelSize: 5, nGroups: 8, groupNormEps: 1e-5, condPredictScale: true,
  };
}

async function runUnet(spec: WorkloadSpec, ckpt: Checkpoint): Promise<CoverageResult['unet']> {
  const cfg = coverageUnetConfig(ckpt);
  const policy = buildPolicy(cfg, new Rng(spec.seed + 17));
  policy.prepareFinetune?.(cfg.denoisingSteps);
  const preset = taskFamily(spec.task).presets.laptop(spec.task, spec.algo, spec.seed);
  const obsDim = cfg.obsDim * cfg.condSteps;
  const obs = tf.randomUniform([spec.nEnvs, obsDim], -1, 1, 'float32', spec.seed + 19) as tf.Tensor2D;
  try {
    const sample = async (deterministic: boolean) => {
      const r = policy.sample(obs, { deterministic, recordChain: !deterministic, rng: new Rng(spec.seed + 23), minSamplingDenoisingStd: preset.minSamplingDenoisingStd, randnClipValue: preset.randnClipValue });
      const a = await absMeanOf(r.actions);
      const c = r.chain ? await absMeanOf(r.chain) : NaN;
      const len = r.chain ? r.chain.shape[1] : 0;
      tf.dispose([r.actions, r.chain ?? [], r.allSteps ?? []]);
      return { a, c, len };
    };
    const train = await sample(false);
    const evalMode = await sample(true);
    return { denoisingSteps: cfg.denoisingSteps, chainLength: train.len, actionsAbsMean: train.a, evalActionsAbsMean: evalMode.a, chainAbsMean: train.c };
  } finally {
    obs.dispose();
    policy.dispose();
  }
}
