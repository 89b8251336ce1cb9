/**
 * The "two goals" toy family: a MuJoCo-free point mass with a known optimum, used by the learning tests and
 * as the smallest example of a task plug-in.
 */
import type { CriticConfig, DiffusionMlpConfig, GaussianMlpConfig } from '../../../config/model';
import { COLLAPSE_PRESET, type Algo, type FinetuneConfig } from '../../../config/finetune';
import { Rng } from '../../../core/rng';
import type { TaskFamily } from '../../types';
import { TWO_GOALS, TWO_GOALS_SPEC, TwoGoalsEnv, twoGoalsDemos } from './twoGoalsEnv';

/** A small, fast configuration: 16 envs × 5 chunk steps of 4 (one 20-step episode each). */
function twoGoalsPreset(task: string, algo: Algo, seed = 0): FinetuneConfig {
  return {
    task, algo, seed,
    nEnvs: 16, nSteps: 5, nTrainItr: 15, valFreq: 10, forceTrain: true, resetAtIteration: true,
    gamma: 0.99, gaeLambda: 0.95, batchSize: algo === 'dppo' ? 400 : 40, updateEpochs: 2,
    actorLr: 1e-4, actorMinLr: 1e-4, actorWeightDecay: 0, criticLr: 1e-3, criticMinLr: 1e-3, criticWeightDecay: 0,
    lrWarmupSteps: 0, lrFirstCycleSteps: 15, nCriticWarmupItr: 1, targetKl: 1, vfCoef: 0.5,
    rewardScaleRunning: true, rewardScaleConst: 1, clipPlossCoef: 0.1, clipPlossCoefBase: 0.1, clipPlossCoefRate: 3,
    gammaDenoising: 0.95, ftDenoisingSteps: 5, minSamplingDenoisingStd: 0.1, minLogprobDenoisingStd: 0.1,
    randnClipValue: 3, maxEpisodeSteps: TWO_GOALS.maxEpisodeSteps, bestRewardThresholdForSuccess: TWO_GOALS_SPEC.bestRewardThresholdForSuccess,
    logprobBatchSize: 10000, maxGradNorm: 0, ...COLLAPSE_PRESET,
  };
}

const diffusion = (): DiffusionMlpConfig => ({
  kind: 'diffusion-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 10,
  timeDim: 8, mlpDims: [64, 64], activation: 'relu', residualStyle: false, denoisedClipValue: 1,
});
const gaussian = (): GaussianMlpConfig => ({
  kind: 'gaussian-mlp', obsDim: 2, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, mlpDims: [64, 64],
  activation: 'mish', residualStyle: false, stdMin: 0.01, stdMax: 0.2, stdInit: 0.1,
});
const critic = (): CriticConfig => ({ obsDim: 2, condSteps: 1, mlpDims: [64, 64], activation: 'mish', residualStyle: false });

export const twoGoalsFamily: TaskFamily = {
  family: 'two-goals',
  title: 'Toy',
  tasks: [{
    id: 'two-goals',
    description: 'Toy point mass with two goals of which only one pays (learning tests; no MuJoCo).',
    referenceEnv: 'none',
    spec: TWO_GOALS_SPEC,
  }],
  needsMujoco: false,
  createEnv: () => new TwoGoalsEnv(),
  presets: { reference: twoGoalsPreset, laptop: twoGoalsPreset },
  networks: { 'diffusion-mlp': diffusion, 'gaussian-mlp': gaussian, 'gmm-mlp': () => ({ ...gaussian(), kind: 'gmm-mlp', numModes: 2 }), critic },
  trajectory: {
    kind: 'plane', title: 'Point-mass paths', xLabel: 'x', yLabel: 'y', unit: 'm', window: [-0.8, 0.8, -0.2, 0.9],
    shapes: TWO_GOALS.goals.map(([x, y], i) => ({ kind: 'circle' as const, x, y, r: TWO_GOALS.goalRadius, label: i === TWO_GOALS.payingGoal ? 'paying goal' : 'goal' })),
    start: [0, 0],
    obsFromPoint: [0, 1],
    pointFromObs: [0, 1],
  },
  tags: [{
    key: 'goal', label: 'goal reached', kind: 'category', categories: [
      { value: 1, label: 'paying goal', color: '#009E73' },
      { value: 0, label: 'other goal', color: '#E69F00' },
      { value: -1, label: 'neither', color: '#999999' },
    ],
  }],
  inspector: () => ({ actionDims: [0, 1], actionNames: ['Δx', 'Δy'], unit: 'm', unitScale: 1, obsNames: ['x (m)', 'y (m)'], startObs: [0, 0] }),
  viewer: null,
  checkpoints: [],
  datasets: [],
  async demos(_taskId, episodes, seed) {
    const d = twoGoalsDemos(episodes, new Rng(seed));
    return { obsDim: 2, actDim: 2, states: d.states, actions: d.actions, trajLengths: d.trajLengths, labels: d.goals, attempts: episodes, summary: {} };
  },
};
