/**
 * Gym locomotion presets and network sizes (spec/dppo-reference.md §4.8 Gym row, §3.6, §3.7), taken from
 * DPPO's `cfg/gym/finetune/{hopper,walker2d,halfcheetah}-v2/ft_ppo_diffusion_mlp.yaml` (identical for the
 * three tasks apart from the dims).
 */
import type { ExpertConfig } from '../../../config/expert';
import { COLLAPSE_PRESET, type Algo, type FinetuneConfig } from '../../../config/finetune';
import type { CriticConfig, DiffusionMlpConfig, GaussianMlpConfig, GmmMlpConfig } from '../../../config/model';
import { GYM_MAX_EPISODE_STEPS, GYM_SUCCESS_THRESHOLD } from './gymEnv';
import { GYM_TASK_DEFS, isGymTaskId, type GymTaskId } from './tasks';

/** Chunk length and executed prefix of every Gym actor (§3.6: Ta = Ta_exec = 4, To = 1). */
export const GYM_HORIZON_STEPS = 4;
export const GYM_ACT_STEPS = 4;

function dims(task: string): { obsDim: number; actionDim: number } {
  const def = GYM_TASK_DEFS[isGymTaskId(task) ? task : 'hopper'];
  return { obsDim: def.obsDim, actionDim: def.actDim };
}

/**
 * Reference Gym fine-tuning row (§4.8): 40 envs × 500 chunk steps × 4 = 80,000 env steps per iteration,
 * 1,000 iterations, minibatch 50,000 (env step, denoising step) pairs (v0.7; the pre-v0.6 configs had
 * 5,000 env steps), 5 epochs, γ 0.99 per chunk step, actor lr 1e-4 and critic lr 1e-3 on flat cosine
 * schedules (min = max) with 10 warm-up iterations, clip 0.01 at every denoising step, γ_den 0.99,
 * K' = 10, no critic warm-up, no reset between iterations (episodes run across them), 1,000-step episodes.
 * Gaussian/GMM-PPO have no denoising axis, so their minibatch is 1/10 of DPPO's (the same number of
 * minibatches per epoch, as in the Avoid presets).
 */
export function gymReferencePreset(task: string, algo: Algo, seed = 0): FinetuneConfig {
  return {
    task,
    algo,
    seed,
    nEnvs: 40,
    nSteps: 500,
    nTrainItr: 1000,
    valFreq: 10,
    forceTrain: false,
    resetAtIteration: false,
    gamma: 0.99,
    gaeLambda: 0.95,
    batchSize: algo === 'dppo' ? 50000 : 5000,
    updateEpochs: 5,
    actorLr: 1e-4,
    actorMinLr: 1e-4,
    actorWeightDecay: 0,
    criticLr: 1e-3,
    criticMinLr: 1e-3,
    criticWeightDecay: 0,
    lrWarmupSteps: 10,
    lrFirstCycleSteps: 1000,
    nCriticWarmupItr: 0,
    targetKl: 1,
    vfCoef: 0.5,
    rewardScaleRunning: true,
    rewardScaleConst: 1,
    clipPlossCoef: 0.01,
    clipPlossCoefBase: 0.01,
    clipPlossCoefRate: 3,
    gammaDenoising: 0.99,
    ftDenoisingSteps: 10,
    minSamplingDenoisingStd: 0.1,
    minLogprobDenoisingStd: 0.1,
    randnClipValue: 3,
    maxEpisodeSteps: GYM_MAX_EPISODE_STEPS,
    // The task's success rule (gymEnv.ts, the same constant as its EnvSpec) is the default; a run may override it.
    bestRewardThresholdForSuccess: GYM_SUCCESS_THRESHOLD,
    logprobBatchSize: 10000,
    maxGradNorm: 0,
    ...COLLAPSE_PRESET,
  };
}

/**
 * Laptop iterations per task (an evaluation iteration every 10th, the last one included). Walker2d improves
 * more slowly than Hopper (DPPO seed 0 on its first dataset: 1.17× after 21 iterations, 1.25× after 41; on
 * the bundled one 1.50× after 41) and its iterations are cheaper (≈ 21 s vs ≈ 25–35 s), so it gets 41 within
 * the same 20-minute budget. HalfCheetah needs only 21 (DPPO seed 0: 1.81× in 389 s, ≈ 18–25 s per
 * iteration; its episodes never end early, so every env returns one 1,000-step episode per iteration).
 */
const LAPTOP_ITERATIONS: Record<GymTaskId, number> = { hopper: 21, walker2d: 41, halfcheetah: 21 };

/**
 * Laptop preset: the reference algorithm at 1/8 of its per-iteration sample budget, sized so that the
 * default run (21 or 41 iterations) ends within 20 minutes on a 2-core machine and shows the improvement.
 * - Following the reference advice (§4.8: when n_envs shrinks, keep n_steps a multiple of
 *   max_episode_steps / act_steps = 250, because only episodes that start and end inside an iteration are
 *   counted), it runs 10 envs × 250 chunk steps × 4 = 10,000 env steps per iteration: one full-length episode
 *   per env, so every iteration can report returns.
 * - The update keeps the reference's ratio of minibatch to rollout (5 minibatches of 5,000 (env step,
 *   denoising step) pairs per epoch) but runs 2 epochs instead of 5: the update dominates the wall-clock at
 *   this size (measured on Hopper: ≈ 15 s rollout + 22 s update per iteration on 2 loaded cores).
 * - 21 iterations (Hopper; Walker2d 41, LAPTOP_ITERATIONS) with valFreq 10: iterations 0, 10, 20, … are
 *   evaluation iterations (the deterministic policy, no update), so the run starts and ends on a comparable
 *   return — iteration 0 is the pre-trained policy (the summary's pretrained_avg_return) and the last one
 *   the fine-tuned one (its avg_return) — with 18 training iterations (180,000 env steps) per 20 between.
 *   Measured: Hopper 1,639 → 2,546, Walker2d 897 → 1,343, HalfCheetah 2,203 → 3,996 (docs/benchmarks.md,
 *   "Gym fine-tuning").
 *   `--iters` / nTrainItr runs longer.
 */
export function gymLaptopPreset(task: string, algo: Algo, seed = 0): FinetuneConfig {
  const iters = LAPTOP_ITERATIONS[isGymTaskId(task) ? task : 'hopper'];
  return {
    ...gymReferencePreset(task, algo, seed),
    nEnvs: 10,
    nSteps: 250,
    nTrainItr: iters,
    batchSize: algo === 'dppo' ? 5000 : 500,
    updateEpochs: 2,
    lrWarmupSteps: 2,
    lrFirstCycleSteps: iters,
  };
}

/**
 * Diffusion actor (§3.6 Gym row): K = 20 (K' = 10 in the presets), time embedding 16, residual MLP
 * [512, 512, 512] with ReLU (DPPO's gym configs say `activation_type: ReLU`; the time MLP always uses
 * Mish, §3.2), Ta = Ta_exec = 4, To = 1.
 * Gym families share one record for three tasks with different dims: the task id picks them (hopper
 * when called without one).
 */
export function gymDiffusionActor(task: GymTaskId | string = 'hopper'): DiffusionMlpConfig {
  return {
    kind: 'diffusion-mlp',
    ...dims(task),
    condSteps: 1,
    horizonSteps: GYM_HORIZON_STEPS,
    actSteps: GYM_ACT_STEPS,
    denoisingSteps: 20,
    timeDim: 16,
    mlpDims: [512, 512, 512],
    activation: 'relu',
    residualStyle: true,
    denoisedClipValue: 1,
  };
}

/**
 * Gaussian actor (§3.7; DPPO's gym Gaussian configs: residual [512, 512, 512] ReLU, tanh mean). Chunks as
 * long as the diffusion actor's (Ta = 4) so the algorithms compare on the same MDP; learnable per-dim std
 * in [0.01, 0.2] starting at 0.1, the fine-tuning range of §3.7.
 */
export function gymGaussianActor(task: GymTaskId | string = 'hopper'): GaussianMlpConfig {
  return {
    kind: 'gaussian-mlp',
    ...dims(task),
    condSteps: 1,
    horizonSteps: GYM_HORIZON_STEPS,
    actSteps: GYM_ACT_STEPS,
    mlpDims: [512, 512, 512],
    activation: 'relu',
    residualStyle: true,
    stdMin: 0.01,
    stdMax: 0.2,
    stdInit: 0.1,
  };
}

/** GMM actor: the Gaussian's trunk with 5 modes (§3.7). */
export function gymGmmActor(task: GymTaskId | string = 'hopper'): GmmMlpConfig {
  return { ...gymGaussianActor(task), kind: 'gmm-mlp', numModes: 5 };
}

/** Critic V(s): residual [256, 256, 256] Mish (§3.4, §3.6). */
export function gymCritic(task: GymTaskId | string = 'hopper'): CriticConfig {
  return { obsDim: dims(task).obsDim, condSteps: 1, mlpDims: [256, 256, 256], activation: 'mish', residualStyle: true };
}

/** Initial std and lower std clamp of each task's expert (why HalfCheetah's differ: gymExpertPreset). */
const EXPERT_STD: Record<GymTaskId, { init: number; min: number }> = {
  hopper: { init: 1, min: 0.01 },
  walker2d: { init: 1, min: 0.01 },
  halfcheetah: { init: 0.25, min: 0.2 },
};

/**
 * From-scratch Gaussian PPO (`dppo expert`, train/ppoScratch.ts) that trains the "medium" experts behind our
 * own datasets (docs/datasets-gym.md). The PPO paper's MuJoCo settings (Schulman et al. 2017, Table 3) as
 * cleanrl's `ppo_continuous_action.py` runs them: 2,048 env steps per iteration (here 16 envs × 128, so
 * one batched forward serves 16 envs), 10 epochs of minibatch 128 (cleanrl: 64; twice as large halves the
 * per-step overhead of tfjs, which dominates the update of so small a network), Adam 3e-4 annealed linearly to 0, γ 0.99, λ 0.95, clip 0.2, gradient norm 0.5, per-minibatch
 * advantage normalisation, running obs normalisation (±10) and return-std reward scaling, [64, 64] tanh
 * actor and critic, one action per step, learnable std starting at 1 (clamped to [0.01, 1.5]). 1M env steps
 * is the paper's budget; `--stop-at R` ends the run once the policy is "medium" (about a third to a half of
 * expert return: D4RL's medium policies were stopped likewise, partway through training).
 * HalfCheetah's expert keeps its std in [0.2, 1.5], starting at 0.25 (`EXPERT_STD`): trained at a small std,
 * it learns a gait that action noise knocks over for the rest of the 1,000-step episode (returns of a few
 * hundred), and its behaviour clone inherits that — while fine-tuning samples with σ_min 0.1 at every
 * denoising step. Measured with seed 0 (docs/datasets-gym.md): std starting at 1 → deterministic return
 * 1,579 after the whole 1M steps; std starting at 0.135 (log std −2, as tuned PPO settings for HalfCheetah
 * such as rl-baselines3-zoo's start it) → 4,323 after 327,680 steps but 658 under N(0, 0.2²) action noise; with
 * the floor at 0.2 → 4,965 after 409,600 steps (the bundled data's expert), and 2,644 under the same noise.
 */
export function gymExpertPreset(task: string, seed = 0): ExpertConfig {
  const std = EXPERT_STD[isGymTaskId(task) ? task : 'hopper'];
  return {
    task,
    seed,
    nEnvs: 16,
    nSteps: 128,
    totalSteps: 1_000_000,
    gamma: 0.99,
    gaeLambda: 0.95,
    batchSize: 128,
    updateEpochs: 10,
    actorLr: 3e-4,
    criticLr: 3e-4,
    annealLr: true,
    clipPlossCoef: 0.2,
    entCoef: 0,
    maxGradNorm: 0.5,
    targetKl: 0,
    normAdv: true,
    rewardScaleRunning: true,
    obsNormClip: 10,
    hiddenSize: 64,
    stdInit: std.init,
    stdMin: std.min,
    stdMax: 1.5,
    maxEpisodeSteps: GYM_MAX_EPISODE_STEPS,
  };
}
