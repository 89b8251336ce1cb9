/**
 * Fine-tuning configuration: one schema entry per setting (design §5.3, §5b): type, range, integer-ness, a
 * one-line doc and DPPO's YAML key (spec/dppo-reference.md §4; keys are those in camelCase). The type
 * `FinetuneConfig` is derived from the schema, so a setting cannot exist without one. Defaults live in the
 * task presets (src/sim/tasks/<family>/); `resolveFinetuneConfig` applies overrides (form, URL, `--set`),
 * rejects unknown keys and bad values with one message per setting, checks the relations between settings
 * and fills derived fields. Checks that need the checkpoint (K′ ≤ K, buffer memory) are in
 * `validateAgainstActor` (run start in the worker and the CLI; the form when it knows the checkpoint).
 */
import * as v from 'valibot';
import { UserError } from '../core/errors';
import { closest } from '../core/suggest';
import type { ActorConfig } from './model';
import { booleanSetting, checkSetting, choiceSetting, numberSetting, settingInfo, settingLabel, textSetting, type SettingInfo, type SettingSchema } from './schema';

export const ALGOS = ['dppo', 'gaussian', 'gmm'] as const;
export type Algo = (typeof ALGOS)[number];

/**
 * The WebAssembly heap of one MuJoCo module is capped at 2 GB ("Cannot enlarge memory … the limit is
 * 2147483648 bytes"). Every env owns an MjModel and an MjData in it: we measured 5,739 Avoid and 5,897–6,070
 * Gym envs filling one module (≈ 354–374 KB each), so 512 KB per env leaves room for the rest and caps
 * nEnvs at 4,096 per module (the CLI's default steps all envs in one module).
 */
export const WASM_HEAP_BYTES = 2 ** 31;
export const SIM_BYTES_PER_ENV = 512 * 1024;
export const MAX_ENVS = Math.floor(WASM_HEAP_BYTES / SIM_BYTES_PER_ENV);
/** Host memory allowed for one iteration's rollout buffer and PPO items (see `rolloutBytes`). */
export const ROLLOUT_BUDGET_BYTES = 2 ** 30;
/** Largest seed: the RNG seeds from its 32-bit value (core/rng.ts), so larger seeds would alias. */
export const MAX_SEED = 2 ** 32 - 1;
/**
 * The noise clamp z ∈ [−c, c] used when a sampler is given none: DPPO's fine-tuning configs all use 3, while its
 * model classes default to 10 (spec/dppo-reference.md §2.4); the workbench uses one value, this one.
 */
export const RANDN_CLIP_VALUE_DEFAULT = 3;
/** Upper bound of iteration counts: far beyond any reference run (Gym: 1,000), low enough for a sane ETA. */
const MAX_ITERATIONS = 100_000;

const positive = { gt: 0 };
const nonNegative = { min: 0 };
const int = (min: number, max: number) => ({ integer: true, min, max });
const unitOpenClosed = { gt: 0, max: 1 };

/** Every fine-tuning setting, in the order the YAML files list them. */
export const FINETUNE_SETTINGS = {
  task: textSetting({ yaml: 'env_name', doc: 'Task id (one registered in sim/registry.ts).' }),
  algo: choiceSetting(ALGOS, { yaml: null, doc: 'Which policy family is fine-tuned: DPPO (diffusion), Gaussian-PPO or GMM-PPO.' }),
  seed: numberSetting(int(0, MAX_SEED), { yaml: 'seed', doc: 'Seed for envs, sampling noise and minibatch order.' }),
  nEnvs: numberSetting(int(1, MAX_ENVS), {
    yaml: 'n_envs',
    doc: 'Parallel environments.',
    why: `Each MuJoCo env takes about ${SIM_BYTES_PER_ENV / 1024} KB of the ${WASM_HEAP_BYTES / 2 ** 30} GB WebAssembly heap, so at most ${MAX_ENVS} fit.`,
  }),
  nSteps: numberSetting(int(1, MAX_ITERATIONS), { yaml: 'n_steps', doc: 'Chunk steps per env per iteration.' }),
  nTrainItr: numberSetting(int(1, MAX_ITERATIONS), { yaml: 'n_train_itr', doc: 'Fine-tuning iterations.' }),
  valFreq: numberSetting(int(1, MAX_ITERATIONS), { yaml: 'val_freq', doc: 'Every valFreq-th iteration is a deterministic eval without update, unless forceTrain.' }),
  forceTrain: booleanSetting({ yaml: 'force_train', doc: 'Never run eval iterations (D3IL: true).' }),
  resetAtIteration: booleanSetting({ yaml: 'reset_at_iteration', doc: 'Reset all envs at the start of every iteration.' }),
  gamma: numberSetting(unitOpenClosed, { yaml: 'gamma', doc: 'Discount per chunk step.', symbol: 'γ' }),
  gaeLambda: numberSetting({ min: 0, max: 1 }, { yaml: 'gae_lambda', doc: 'GAE λ.', symbol: 'λ' }),
  batchSize: numberSetting(int(1, 10_000_000), { yaml: 'batch_size', doc: 'PPO minibatch size over (env step, denoising step) pairs.' }),
  updateEpochs: numberSetting(int(1, 1000), { yaml: 'update_epochs', doc: 'PPO epochs per iteration.' }),
  actorLr: numberSetting(positive, { yaml: 'actor_lr', doc: "Actor learning rate (the cosine schedule's max).", symbol: 'η_actor' }),
  actorMinLr: numberSetting(nonNegative, { yaml: 'actor_lr_scheduler.min_lr', doc: 'Actor cosine schedule floor.' }),
  actorWeightDecay: numberSetting(nonNegative, { yaml: 'actor_weight_decay', doc: 'Actor AdamW weight decay.' }),
  criticLr: numberSetting(positive, { yaml: 'critic_lr', doc: 'Critic learning rate.', symbol: 'η_critic' }),
  criticMinLr: numberSetting(nonNegative, { yaml: 'critic_lr_scheduler.min_lr', doc: 'Critic cosine floor.' }),
  criticWeightDecay: numberSetting(nonNegative, { yaml: 'critic_weight_decay', doc: 'Critic AdamW weight decay.' }),
  lrWarmupSteps: numberSetting(int(0, MAX_ITERATIONS), { yaml: 'warmup_steps', doc: 'Linear warm-up iterations of the LR schedules (fewer than the cycle length).' }),
  lrFirstCycleSteps: numberSetting(int(0, MAX_ITERATIONS), { yaml: 'first_cycle_steps', doc: 'Cosine cycle length in iterations; 0 = nTrainItr.' }),
  nCriticWarmupItr: numberSetting(int(0, MAX_ITERATIONS), { yaml: 'n_critic_warmup_itr', doc: 'Iterations during which only the critic is trained.' }),
  targetKl: numberSetting(positive, { yaml: 'target_kl', doc: 'Stop the epoch loop once approx-KL exceeds this.', symbol: 'KL_target' }),
  vfCoef: numberSetting(nonNegative, { yaml: 'vf_coef', doc: 'Value-loss weight.', symbol: 'c_v' }),
  rewardScaleRunning: booleanSetting({ yaml: 'reward_scale_running', doc: 'Running return-std reward scaling.' }),
  rewardScaleConst: numberSetting(positive, { yaml: 'reward_scale_const', doc: 'Constant reward multiplier inside δ.' }),
  clipPlossCoef: numberSetting(positive, { yaml: 'clip_ploss_coef', doc: 'PPO ratio clip at the final denoising step.', symbol: 'ε_clip' }),
  clipPlossCoefBase: numberSetting(positive, { yaml: 'clip_ploss_coef_base', doc: 'PPO ratio clip at the noisiest fine-tuned step.', symbol: 'ε_base' }),
  clipPlossCoefRate: numberSetting({ min: 0, max: 50 }, { yaml: 'clip_ploss_coef_rate', doc: 'Exponential rate of the clip schedule over denoising steps (0 = linear).', symbol: 'ε_rate' }),
  gammaDenoising: numberSetting(unitOpenClosed, { yaml: 'gamma_denoising', doc: 'Denoising discount γ_den applied as γ_den^t to advantages.', symbol: 'γ_den' }),
  ftDenoisingSteps: numberSetting(int(1, 1000), {
    yaml: 'ft_denoising_steps',
    doc: "K': number of final denoising steps fine-tuned (at most the checkpoint's K).",
    symbol: 'K′',
  }),
  minSamplingDenoisingStd: numberSetting(positive, { yaml: 'min_sampling_denoising_std', doc: 'σ_min^exp: exploration std floor at every denoising step.', symbol: 'σ_min^exp' }),
  minLogprobDenoisingStd: numberSetting(positive, { yaml: 'min_logprob_denoising_std', doc: 'Std floor inside the denoising log-prob.', symbol: 'σ_min^prob' }),
  randnClipValue: numberSetting(positive, { yaml: 'randn_clip_value', doc: `Clamp of the per-step noise draws (DPPO's fine-tuning configs: ${RANDN_CLIP_VALUE_DEFAULT}).` }),
  maxEpisodeSteps: numberSetting(int(1, 1_000_000), { yaml: 'max_episode_steps', doc: 'Episode horizon in env steps.' }),
  bestRewardThresholdForSuccess: numberSetting({}, {
    yaml: 'best_reward_threshold_for_success',
    doc: "Success threshold on the best chunk's mean reward (default: the task's; fine-tuning metrics use this value).",
  }),
  logprobBatchSize: numberSetting(int(1, 10_000_000), { yaml: 'logprob_batch_size', doc: 'Batch size for the no-grad value/log-prob pass.' }),
  maxGradNorm: numberSetting(nonNegative, { yaml: 'max_grad_norm', doc: "Clip the actor's gradients to this global L2 norm before each step; 0 = off." }),
  // The collapse detector (train/divergence.ts; not in DPPO): warnings when training falls apart, optional halt.
  collapseKlFactor: numberSetting({ min: 1 }, { yaml: null, doc: 'Collapse warning when approx-KL exceeds this many times targetKl.' }),
  collapseClipfracMax: numberSetting({ gt: 0, max: 1 }, { yaml: null, doc: 'Collapse warning when the clip fraction reaches this.' }),
  collapseDropFraction: numberSetting({ gt: 0, max: 1 }, { yaml: null, doc: "Collapse warning when success (else return) falls this fraction below the run's best." }),
  collapsePatience: numberSetting(int(1, 1000), { yaml: null, doc: 'Consecutive flagged iterations before a collapse warning.' }),
  collapseHalt: booleanSetting({ yaml: null, doc: 'Halt the run on a collapse warning, keeping the last good weights.' }),
} satisfies Record<string, SettingSchema>;

/** Defaults of the collapse detector's settings, shared by every task's presets (train/divergence.ts). */
export const COLLAPSE_PRESET = {
  collapseKlFactor: 10,
  collapseClipfracMax: 0.5,
  collapseDropFraction: 0.5,
  collapsePatience: 2,
  collapseHalt: false,
} as const;

export type FinetuneKey = keyof typeof FINETUNE_SETTINGS;
/** One fine-tuning run's settings (the output type of the schema). */
export type FinetuneConfig = { -readonly [K in FinetuneKey]: v.InferOutput<(typeof FINETUNE_SETTINGS)[K]> };

export const FINETUNE_KEYS = Object.keys(FINETUNE_SETTINGS) as FinetuneKey[];

export function isFinetuneKey(key: string): key is FinetuneKey {
  return Object.prototype.hasOwnProperty.call(FINETUNE_SETTINGS, key);
}

/** Type, range, doc, YAML key and symbol of a setting. */
export function finetuneSettingInfo(key: FinetuneKey): SettingInfo {
  return settingInfo(FINETUNE_SETTINGS[key]);
}

/** A problem with one setting, to show at its field (or name in a CLI error). */
export interface SettingIssue {
  key: FinetuneKey;
  message: string;
}

/**
 * Checks one value (form text, URL or `--set` text, or a typed value) of a setting. The message names the
 * setting (or `label`, e.g. a CLI option) and says what is allowed.
 */
export function checkFinetuneSetting(key: FinetuneKey, raw: unknown, label?: string): { ok: true; value: FinetuneConfig[typeof key] } | { ok: false; message: string } {
  return checkSetting(key, FINETUNE_SETTINGS[key], raw, label) as { ok: true; value: FinetuneConfig[typeof key] } | { ok: false; message: string };
}

function label(key: FinetuneKey): string {
  return settingLabel(key, finetuneSettingInfo(key));
}

/** Cycle length the LR schedules use (`lrFirstCycleSteps`, 0 = nTrainItr). */
function cycleSteps(c: Pick<FinetuneConfig, 'lrFirstCycleSteps' | 'nTrainItr'>): number {
  return c.lrFirstCycleSteps > 0 ? c.lrFirstCycleSteps : c.nTrainItr;
}

/** Relations between settings of a config whose single values are valid. */
function relationIssues(c: FinetuneConfig): SettingIssue[] {
  const out: SettingIssue[] = [];
  const cycle = cycleSteps(c);
  if (c.lrWarmupSteps >= cycle) {
    const of = c.lrFirstCycleSteps > 0 ? `${label('lrFirstCycleSteps')} = ${cycle}` : `nTrainItr = ${cycle} (lrFirstCycleSteps is 0)`;
    out.push({ key: 'lrWarmupSteps', message: `${label('lrWarmupSteps')} must be less than the LR cycle length ${of}; got ${c.lrWarmupSteps}.` });
  }
  return out;
}

/**
 * Every problem of a candidate config: unknown keys, each value against its schema (text is converted), then
 * the relations between settings, then — when the checkpoint's actor is known — those against the actor.
 * Returns the config (typed, derived fields not yet filled) when there is none.
 */
export function finetuneIssues(candidate: Record<string, unknown>, actor?: ActorConfig | null): { config: FinetuneConfig | null; issues: SettingIssue[]; unknown: string[] } {
  const unknown = Object.keys(candidate).filter((k) => !isFinetuneKey(k));
  const issues: SettingIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const key of FINETUNE_KEYS) {
    if (!(key in candidate) || candidate[key] === undefined) {
      issues.push({ key, message: `${label(key)} is missing; it must be ${finetuneSettingInfo(key).allowed}.` });
      continue;
    }
    const r = checkFinetuneSetting(key, candidate[key]);
    if (r.ok) out[key] = r.value;
    else issues.push({ key, message: r.message });
  }
  if (issues.length || unknown.length) return { config: null, issues, unknown };
  const config = out as FinetuneConfig;
  issues.push(...relationIssues(config));
  if (actor) issues.push(...actorIssues(config, actor));
  return { config: issues.length ? null : config, issues, unknown };
}

/** "Unknown fine-tuning setting "x"; did you mean …? valid keys: …" */
export function unknownSettingMessage(key: string): string {
  const near = closest(key, FINETUNE_KEYS);
  return `Unknown fine-tuning setting "${key}"${near ? `; did you mean "${near}"?` : '.'} Valid keys: ${FINETUNE_KEYS.join(', ')}.`;
}

/**
 * Applies `overrides` (text from the CLI/URL/form, or typed values) to `base` (a preset or a stored config),
 * checks every setting against its schema and the relations between them, and fills derived fields. Throws
 * a UserError naming each bad setting and what it allows.
 */
export function resolveFinetuneConfig(base: FinetuneConfig, overrides: Record<string, unknown> = {}): FinetuneConfig {
  const { config, issues, unknown } = finetuneIssues({ ...base, ...overrides });
  if (unknown.length) throw new UserError(unknownSettingMessage(unknown[0]));
  if (!config) throw new UserError(issues.map((i) => i.message).join(' '));
  return { ...config, lrFirstCycleSteps: cycleSteps(config) };
}

// ------------------------------------------------------------------------------------------ the actor

/** Denoising steps a diffusion actor samples with (DDIM steps where set, else K); null for other kinds. */
export function actorDenoisingSteps(actor: ActorConfig): number | null {
  if (actor.kind !== 'diffusion-mlp' && actor.kind !== 'diffusion-unet') return null;
  return actor.ddimSteps ?? actor.denoisingSteps;
}

/**
 * Host bytes of one iteration's rollout and PPO items (train/rollout.ts, train/ppoUpdate.ts), float32:
 * per (env, chunk step) the obs To·Do, the chain (K′+1)·Ta·Da and ~16 scalars (reward, flags, value,
 * traces); per PPO item (one per fine-tuned denoising step, or one per step without a denoising axis) the
 * obs, the chain pair 2·Ta·Da and ~8 scalars (advantage, return, old log-prob, value …).
 */
export function rolloutBytes(c: Pick<FinetuneConfig, 'nEnvs' | 'nSteps' | 'ftDenoisingSteps'>, actor: ActorConfig): number {
  const kPrime = actorDenoisingSteps(actor) === null ? 0 : c.ftDenoisingSteps;
  const obs = actor.condSteps * actor.obsDim;
  const chunk = actor.horizonSteps * actor.actionDim;
  const steps = c.nEnvs * c.nSteps;
  const items = steps * Math.max(1, kPrime);
  return 4 * (steps * (obs + (kPrime + 1) * chunk + 16) + items * (obs + 2 * chunk + 8));
}

/** "ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to K, the checkpoint's denoising steps K; got …" */
export function ftStepsMessage(k: number, ddim: boolean, got: unknown): string {
  return `${label('ftDenoisingSteps')} must be an integer from 1 to ${k}, the checkpoint's ${ddim ? 'DDIM steps' : 'denoising steps K'}; got ${String(got)}.`;
}

/** Problems of a valid config against the checkpoint's actor: K′ ≤ K and the rollout's memory. */
export function actorIssues(c: FinetuneConfig, actor: ActorConfig): SettingIssue[] {
  const out: SettingIssue[] = [];
  const k = actorDenoisingSteps(actor);
  if (k !== null && c.ftDenoisingSteps > k) {
    out.push({ key: 'ftDenoisingSteps', message: ftStepsMessage(k, 'ddimSteps' in actor && !!actor.ddimSteps, c.ftDenoisingSteps) });
  }
  const bytes = rolloutBytes(c, actor);
  if (bytes > ROLLOUT_BUDGET_BYTES) {
    const perEnv = rolloutBytes({ ...c, nEnvs: 1 }, actor);
    const fit = Math.max(0, Math.floor(ROLLOUT_BUDGET_BYTES / perEnv));
    out.push({
      key: 'nEnvs',
      message: `${label('nEnvs')} × ${label('nSteps')} = ${c.nEnvs} × ${c.nSteps} needs about ${gb(bytes)} GB for one iteration's rollout, more than the ${gb(ROLLOUT_BUDGET_BYTES)} GB allowed; at nSteps ${c.nSteps} at most ${fit} envs fit.`,
    });
  }
  return out;
}

/** Throws a UserError when the config does not fit the checkpoint's actor (run start: worker and CLI). */
export function validateAgainstActor(c: FinetuneConfig, actor: ActorConfig): void {
  const issues = actorIssues(c, actor);
  if (issues.length) throw new UserError(issues.map((i) => i.message).join(' '));
}

function gb(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1);
}
