/**
 * D3IL Avoid presets (spec/dppo-reference.md §4.8 D3IL row, §3.6, §7.3). "reference" is the paper's
 * configuration; "laptop" keeps every algorithmic setting and shrinks the batch so an iteration fits a
 * 2-core machine (see docs/benchmarks.md for the measured wall-clock).
 */
import type { DiffusionMlpConfig, GaussianMlpConfig, GmmMlpConfig, CriticConfig } from '../../../config/model';
import { COLLAPSE_PRESET, type Algo, type FinetuneConfig } from '../../../config/finetune';
import type { GpuOverrides } from '../../../config/gpuOverrides';
import { avoidSpec } from './avoidEnv';

export const AVOID_TASKS = ['avoid-m1', 'avoid-m2', 'avoid-m3'] as const;
export type AvoidTaskId = (typeof AVOID_TASKS)[number];

/** Reference D3IL Avoid fine-tuning row (spec §4.8 / §4.6 / §2.4). */
export function avoidReferencePreset(task: string, algo: Algo, seed = 0): FinetuneConfig {
  return {
    task,
    algo,
    seed,
    nEnvs: 50,
    nSteps: 25,
    nTrainItr: 51,
    valFreq: 10,
    forceTrain: true,
    resetAtIteration: true,
    gamma: 0.99,
    gaeLambda: 0.95,
    batchSize: algo === 'dppo' ? 6250 : 625,
    updateEpochs: 10,
    actorLr: 1e-5,
    actorMinLr: 1e-5,
    actorWeightDecay: 0,
    criticLr: 1e-3,
    criticMinLr: 1e-3,
    criticWeightDecay: 0,
    lrWarmupSteps: 0,
    lrFirstCycleSteps: 51,
    nCriticWarmupItr: 1,
    targetKl: 1,
    vfCoef: 0.5,
    rewardScaleRunning: true,
    rewardScaleConst: 1,
    clipPlossCoef: 0.1,
    clipPlossCoefBase: 0.1,
    clipPlossCoefRate: 3,
    gammaDenoising: 0.95,
    ftDenoisingSteps: 10,
    minSamplingDenoisingStd: 0.1,
    minLogprobDenoisingStd: 0.1,
    randnClipValue: 3,
    maxEpisodeSteps: 100,
    // The task's success rule is the default; a run may override it (its metrics then use the override).
    bestRewardThresholdForSuccess: avoidSpec(task).bestRewardThresholdForSuccess,
    logprobBatchSize: 10000,
    maxGradNorm: 0,
    ...COLLAPSE_PRESET,
  };
}

/**
 * Laptop preset: the same algorithm with a smaller batch so one iteration takes seconds on 2 cores:
 * 32 envs × 25 chunk steps (one 100-step episode each), 2 epochs of minibatches of 1,600 (env step,
 * denoising step) pairs = 10 gradient steps per iteration instead of the reference's 20 steps of 6,250.
 * The actor LR is 5e-5 instead of 1e-5 to make up for the fewer, smaller steps; 1e-4 learned faster but
 * collapsed after reaching 0.97 success in our runs (docs/benchmarks.md).
 */
export function avoidLaptopPreset(task: string, algo: Algo, seed = 0): FinetuneConfig {
  return {
    ...avoidReferencePreset(task, algo, seed),
    nEnvs: 32,
    nSteps: 25,
    nTrainItr: 30,
    batchSize: algo === 'dppo' ? 1600 : 200,
    updateEpochs: 2,
    actorLr: 5e-5,
    actorMinLr: 5e-5,
    lrFirstCycleSteps: 30,
  };
}

/**
 * GPU-sized work (issue 12; applied only on a real GPU, never a software adapter, and only to values left at
 * the preset's): the laptop row goes back to the reference row's 50 envs and 6,250-item (DPPO; 625 for
 * Gaussian/GMM) minibatches. Why: the laptop row shrank exactly these two values so one iteration fits 2 CPU
 * cores; a GPU batches a 50-env chain and a 6,250-item minibatch in few large dispatches, so the run gets the
 * paper's batch statistics back. The algorithm settings (lr, epochs, K′, clipping) do not change.
 */
export function avoidGpuOverrides(preset: 'reference' | 'laptop', algo: Algo): GpuOverrides | null {
  if (preset === 'reference') return null;
  const ref = avoidReferencePreset('avoid-m2', algo);
  return {
    values: { nEnvs: ref.nEnvs, batchSize: ref.batchSize },
    reason: `on a GPU the laptop preset uses the reference's ${ref.nEnvs} envs and ${ref.batchSize}-item minibatches (a GPU batches them in few dispatches; the laptop sizes only exist for 2 CPU cores)`,
  };
}

/** Actor/critic sizes for Avoid (spec §3.6: time 16, [512]×3 ReLU, residual; critic [256]×3 Mish). */
export function avoidDiffusionActor(): DiffusionMlpConfig {
  return {
    kind: 'diffusion-mlp',
    obsDim: 4,
    actionDim: 2,
    condSteps: 1,
    horizonSteps: 4,
    actSteps: 4,
    denoisingSteps: 20,
    timeDim: 16,
    mlpDims: [512, 512, 512],
    activation: 'relu',
    residualStyle: true,
    denoisedClipValue: 1,
  };
}

export function avoidGaussianActor(): GaussianMlpConfig {
  return {
    kind: 'gaussian-mlp',
    obsDim: 4,
    actionDim: 2,
    condSteps: 1,
    horizonSteps: 4,
    actSteps: 4,
    mlpDims: [256, 256, 256],
    activation: 'mish',
    residualStyle: true,
    stdMin: 0.01,
    stdMax: 0.2,
    stdInit: 0.1,
  };
}

export function avoidGmmActor(): GmmMlpConfig {
  return {
    ...avoidGaussianActor(),
    kind: 'gmm-mlp',
    numModes: 5,
  };
}

export function avoidCritic(): CriticConfig {
  return { obsDim: 4, condSteps: 1, mlpDims: [256, 256, 256], activation: 'mish', residualStyle: true };
}
