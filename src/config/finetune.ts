/**
 * Fine-tuning configuration: one typed, documented record (design §5.3). Keys are DPPO's YAML keys in
 * camelCase (spec/dppo-reference.md §4). Defaults live in the presets; resolveFinetuneConfig() fills
 * derived fields and rejects unknown keys.
 */
import { UserError } from '../core/errors';

export type Algo = 'dppo' | 'gaussian' | 'gmm';

export interface FinetuneConfig {
  /** Task id (one registered in sim/registry.ts). */
  task: string;
  /** Which policy family is fine-tuned: DPPO (diffusion), Gaussian-PPO or GMM-PPO. */
  algo: Algo;
  /** Seed for envs, sampling noise and minibatch order. */
  seed: number;
  /** Parallel environments (`n_envs`). */
  nEnvs: number;
  /** Chunk steps per env per iteration (`n_steps`). */
  nSteps: number;
  /** Fine-tuning iterations (`n_train_itr`). */
  nTrainItr: number;
  /** Every valFreq-th iteration is a deterministic eval without update, unless forceTrain (`val_freq`). */
  valFreq: number;
  /** Never run eval iterations (`force_train`; D3IL true). */
  forceTrain: boolean;
  /** Reset all envs at the start of every iteration (`reset_at_iteration`). */
  resetAtIteration: boolean;
  /** Discount per chunk step (`gamma`). */
  gamma: number;
  /** GAE λ (`gae_lambda`). */
  gaeLambda: number;
  /** PPO minibatch size over (env step, denoising step) pairs (`batch_size`). */
  batchSize: number;
  /** PPO epochs per iteration (`update_epochs`). */
  updateEpochs: number;
  /** Actor learning rate (`actor_lr`; the cosine schedule's max). */
  actorLr: number;
  /** Actor cosine schedule floor (`actor_lr_scheduler.min_lr`). */
  actorMinLr: number;
  /** Actor AdamW weight decay (`actor_weight_decay`). */
  actorWeightDecay: number;
  /** Critic learning rate (`critic_lr`). */
  criticLr: number;
  /** Critic cosine floor (`critic_lr_scheduler.min_lr`). */
  criticMinLr: number;
  /** Critic AdamW weight decay (`critic_weight_decay`). */
  criticWeightDecay: number;
  /** Linear warm-up iterations of the LR schedules (`warmup_steps`). */
  lrWarmupSteps: number;
  /** Cosine cycle length in iterations (`first_cycle_steps`); defaults to nTrainItr. */
  lrFirstCycleSteps: number;
  /** Iterations during which only the critic is trained (`n_critic_warmup_itr`). */
  nCriticWarmupItr: number;
  /** Stop the epoch loop once approx-KL exceeds this (`target_kl`). */
  targetKl: number;
  /** Value-loss weight (`vf_coef`). */
  vfCoef: number;
  /** Running return-std reward scaling (`reward_scale_running`). */
  rewardScaleRunning: boolean;
  /** Constant reward multiplier inside δ (`reward_scale_const`). */
  rewardScaleConst: number;
  /** PPO ratio clip at the final denoising step (`clip_ploss_coef`). */
  clipPlossCoef: number;
  /** PPO ratio clip at the noisiest fine-tuned step (`clip_ploss_coef_base`). */
  clipPlossCoefBase: number;
  /** Exponential rate of the clip schedule over denoising steps (`clip_ploss_coef_rate`). */
  clipPlossCoefRate: number;
  /** Denoising discount γ_den applied as γ_den^t to advantages (`gamma_denoising`). */
  gammaDenoising: number;
  /** K': number of final denoising steps fine-tuned (`ft_denoising_steps`). */
  ftDenoisingSteps: number;
  /** σ_min^exp: exploration std floor at every denoising step (`min_sampling_denoising_std`). */
  minSamplingDenoisingStd: number;
  /** Std floor inside the denoising log-prob (`min_logprob_denoising_std`). */
  minLogprobDenoisingStd: number;
  /** Clamp of the per-step noise draws (`randn_clip_value`). */
  randnClipValue: number;
  /** Episode horizon in env steps (`max_episode_steps`). */
  maxEpisodeSteps: number;
  /** Success threshold on the best chunk's mean reward (`best_reward_threshold_for_success`). */
  bestRewardThresholdForSuccess: number;
  /** Batch size for the no-grad value/log-prob pass (`logprob_batch_size`). */
  logprobBatchSize: number;
  /** Clip the actor's gradients to this global L2 norm before each step (`max_grad_norm`); 0 = off. */
  maxGradNorm: number;
}

export const FINETUNE_KEYS = [
  'task', 'algo', 'seed', 'nEnvs', 'nSteps', 'nTrainItr', 'valFreq', 'forceTrain', 'resetAtIteration',
  'gamma', 'gaeLambda', 'batchSize', 'updateEpochs', 'actorLr', 'actorMinLr', 'actorWeightDecay', 'criticLr',
  'criticMinLr', 'criticWeightDecay', 'lrWarmupSteps', 'lrFirstCycleSteps', 'nCriticWarmupItr', 'targetKl',
  'vfCoef', 'rewardScaleRunning', 'rewardScaleConst', 'clipPlossCoef', 'clipPlossCoefBase', 'clipPlossCoefRate',
  'gammaDenoising', 'ftDenoisingSteps', 'minSamplingDenoisingStd', 'minLogprobDenoisingStd', 'randnClipValue',
  'maxEpisodeSteps', 'bestRewardThresholdForSuccess', 'logprobBatchSize', 'maxGradNorm',
] as const satisfies readonly (keyof FinetuneConfig)[];

/**
 * Applies `overrides` to `base`, coercing strings from the CLI/URL to the base value's type, and rejects
 * unknown keys and invalid values with a specific message.
 */
export function resolveFinetuneConfig(
  base: FinetuneConfig,
  overrides: Record<string, unknown> = {},
): FinetuneConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [key, raw] of Object.entries(overrides)) {
    if (!(FINETUNE_KEYS as readonly string[]).includes(key)) {
      throw new UserError(`Unknown fine-tuning setting "${key}"; valid keys: ${FINETUNE_KEYS.join(', ')}.`);
    }
    const current = out[key];
    let value: unknown = raw;
    if (typeof current === 'number') {
      value = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isFinite(value)) throw new UserError(`Setting "${key}" must be a number, got "${String(raw)}".`);
    } else if (typeof current === 'boolean') {
      if (typeof raw === 'string') value = raw === 'true' || raw === '1';
      else value = Boolean(raw);
    }
    out[key] = value;
  }
  const cfg = out as unknown as FinetuneConfig;
  const positiveInts: (keyof FinetuneConfig)[] = ['nEnvs', 'nSteps', 'nTrainItr', 'batchSize', 'updateEpochs', 'maxEpisodeSteps', 'logprobBatchSize'];
  for (const k of positiveInts) {
    const v = cfg[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new UserError(`Setting "${k}" must be a positive integer, got ${v}.`);
  }
  if (cfg.ftDenoisingSteps < 1 || !Number.isInteger(cfg.ftDenoisingSteps)) {
    throw new UserError(`ftDenoisingSteps must be an integer ≥ 1, got ${cfg.ftDenoisingSteps}.`);
  }
  if (!(cfg.gamma > 0 && cfg.gamma <= 1)) throw new UserError(`gamma must be in (0, 1], got ${cfg.gamma}.`);
  if (!(cfg.gaeLambda >= 0 && cfg.gaeLambda <= 1)) throw new UserError(`gaeLambda must be in [0, 1], got ${cfg.gaeLambda}.`);
  if (!['dppo', 'gaussian', 'gmm'].includes(cfg.algo)) throw new UserError(`algo must be dppo, gaussian or gmm, got "${cfg.algo}".`);
  if (cfg.lrFirstCycleSteps <= 0) cfg.lrFirstCycleSteps = cfg.nTrainItr;
  return cfg;
}
