/**
 * Settings of from-scratch Gaussian PPO (`dppo expert`, src/train/ppoScratch.ts): the standard
 * continuous-control recipe (Schulman et al. 2017 §6.1 MuJoCo settings; cleanrl `ppo_continuous_action.py`),
 * used to train the "medium" policies whose noisy rollouts become our own Gym datasets (docs/datasets-gym.md).
 * It differs from DPPO's fine-tuning (FINETUNE_SETTINGS) where a policy starts from nothing: one action per
 * step, running observation normalisation, a learnable std starting near 1 instead of the fine-tuning
 * range [0.01, 0.2], a linearly annealed LR. Keys follow DPPO's names where DPPO has the setting, cleanrl's
 * (`yaml`) otherwise. Defaults live in the task's preset (TaskFamily.expertPreset).
 */
import * as v from 'valibot';
import { UserError } from '../core/errors';
import { closest } from '../core/suggest';
import { MAX_ENVS, MAX_SEED } from './finetune';
import { booleanSetting, checkSetting, numberSetting, settingInfo, settingLabel, textSetting, type SettingSchema } from './schema';

const int = (min: number, max: number) => ({ integer: true, min, max });

export const EXPERT_SETTINGS = {
  task: textSetting({ yaml: 'env_name', doc: 'Task id (one registered in sim/registry.ts).' }),
  seed: numberSetting(int(0, MAX_SEED), { yaml: 'seed', doc: 'Seed for the network init, envs, sampling noise and minibatch order.' }),
  nEnvs: numberSetting(int(1, MAX_ENVS), { yaml: 'n_envs', doc: 'Parallel environments.' }),
  nSteps: numberSetting(int(1, 1_000_000), { yaml: 'n_steps', doc: 'Env steps per env per iteration (one action per step: no chunking).' }),
  totalSteps: numberSetting(int(1, 1e10), { yaml: 'total_timesteps', doc: 'Env steps of the whole run; iterations = totalSteps / (nEnvs·nSteps), rounded up.' }),
  gamma: numberSetting({ gt: 0, max: 1 }, { yaml: 'gamma', doc: 'Discount per env step.', symbol: 'γ' }),
  gaeLambda: numberSetting({ min: 0, max: 1 }, { yaml: 'gae_lambda', doc: 'GAE λ.', symbol: 'λ' }),
  batchSize: numberSetting(int(1, 10_000_000), { yaml: 'batch_size', doc: 'PPO minibatch size (env steps).' }),
  updateEpochs: numberSetting(int(1, 1000), { yaml: 'update_epochs', doc: 'PPO epochs per iteration.' }),
  actorLr: numberSetting({ gt: 0 }, { yaml: 'actor_lr', doc: 'Actor learning rate (Adam, annealed linearly to 0 when annealLr).', symbol: 'η_actor' }),
  criticLr: numberSetting({ gt: 0 }, { yaml: 'critic_lr', doc: 'Critic learning rate.', symbol: 'η_critic' }),
  annealLr: booleanSetting({ yaml: 'anneal_lr', doc: 'Anneal both learning rates linearly to 0 over the run.' }),
  clipPlossCoef: numberSetting({ gt: 0 }, { yaml: 'clip_ploss_coef', doc: 'PPO ratio clip.', symbol: 'ε_clip' }),
  entCoef: numberSetting({ min: 0 }, { yaml: 'ent_coef', doc: 'Entropy bonus weight.' }),
  maxGradNorm: numberSetting({ min: 0 }, { yaml: 'max_grad_norm', doc: 'Clip actor and critic gradients to this global L2 norm; 0 = off.' }),
  targetKl: numberSetting({ min: 0 }, { yaml: 'target_kl', doc: 'Stop the epoch loop once approx-KL exceeds this; 0 = off.' }),
  normAdv: booleanSetting({ yaml: 'norm_adv', doc: 'Normalise advantages per minibatch.' }),
  rewardScaleRunning: booleanSetting({ yaml: 'reward_scale_running', doc: 'Divide rewards by the running std of the discounted return (clip ±10).' }),
  obsNormClip: numberSetting({ gt: 0 }, { yaml: 'clip_obs', doc: 'Running mean/std observation normalisation, clipped to ±this.' }),
  hiddenSize: numberSetting(int(1, 4096), { yaml: null, doc: 'Width of the two tanh hidden layers of the actor and the critic.' }),
  stdInit: numberSetting({ gt: 0 }, { yaml: null, doc: 'Initial action std (learnable, one per action dim).' }),
  stdMin: numberSetting({ gt: 0 }, { yaml: 'std_min', doc: 'Lower clamp of the learnable std.' }),
  stdMax: numberSetting({ gt: 0 }, { yaml: 'std_max', doc: 'Upper clamp of the learnable std.' }),
  maxEpisodeSteps: numberSetting(int(1, 1_000_000), { yaml: 'max_episode_steps', doc: 'Episode horizon in env steps.' }),
} satisfies Record<string, SettingSchema>;

export type ExpertKey = keyof typeof EXPERT_SETTINGS;
export type ExpertConfig = { -readonly [K in ExpertKey]: v.InferOutput<(typeof EXPERT_SETTINGS)[K]> };
export const EXPERT_KEYS = Object.keys(EXPERT_SETTINGS) as ExpertKey[];

function label(key: ExpertKey): string {
  return settingLabel(key, settingInfo(EXPERT_SETTINGS[key]));
}

/**
 * Applies `overrides` (CLI text or typed values) to a preset, checks every setting against its schema and
 * the relations between them; a UserError names each bad setting.
 */
export function resolveExpertConfig(base: ExpertConfig, overrides: Record<string, unknown> = {}): ExpertConfig {
  const candidate: Record<string, unknown> = { ...base, ...overrides };
  for (const k of Object.keys(candidate)) {
    if (!(EXPERT_KEYS as string[]).includes(k)) {
      const near = closest(k, EXPERT_KEYS);
      throw new UserError(`Unknown expert setting "${k}"${near ? `; did you mean "${near}"?` : '.'} Valid keys: ${EXPERT_KEYS.join(', ')}.`);
    }
  }
  const out: Record<string, unknown> = {};
  const issues: string[] = [];
  for (const key of EXPERT_KEYS) {
    const r = checkSetting(key, EXPERT_SETTINGS[key], candidate[key]);
    if (r.ok) out[key] = r.value;
    else issues.push(r.message);
  }
  if (issues.length) throw new UserError(issues.join(' '));
  const c = out as ExpertConfig;
  if (c.stdMin > c.stdMax) issues.push(`${label('stdMin')} (${c.stdMin}) must not exceed ${label('stdMax')} (${c.stdMax}).`);
  if (c.stdInit < c.stdMin || c.stdInit > c.stdMax) issues.push(`${label('stdInit')} (${c.stdInit}) must lie in [stdMin, stdMax] = [${c.stdMin}, ${c.stdMax}].`);
  if (c.batchSize > c.nEnvs * c.nSteps) issues.push(`${label('batchSize')} (${c.batchSize}) must not exceed the iteration's nEnvs·nSteps = ${c.nEnvs * c.nSteps} env steps.`);
  if (issues.length) throw new UserError(issues.join(' '));
  return c;
}
