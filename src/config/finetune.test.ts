/**
 * The settings schema (design §5b "every setting has one schema"): an entry per key, ranges, integer-ness,
 * strict text parsing, relations (K′ ≤ K, warm-up < cycle), the memory limits, and one message format.
 */
import { describe, expect, it } from 'vitest';
import type { DiffusionMlpConfig, GaussianMlpConfig } from './model';
import {
  COLLAPSE_PRESET,
  FINETUNE_KEYS,
  FINETUNE_SETTINGS,
  MAX_ENVS,
  MAX_SEED,
  RANDN_CLIP_VALUE_DEFAULT,
  ROLLOUT_BUDGET_BYTES,
  checkFinetuneSetting,
  finetuneIssues,
  finetuneSettingInfo,
  resolveFinetuneConfig,
  rolloutBytes,
  validateAgainstActor,
  type FinetuneConfig,
} from './finetune';

/** A complete config (the shape of a task preset; presets themselves are checked in src/state/settings.test.ts). */
const BASE: FinetuneConfig = {
  task: 'some-task', algo: 'dppo', seed: 0,
  nEnvs: 16, nSteps: 5, nTrainItr: 15, valFreq: 10, forceTrain: true, resetAtIteration: true,
  gamma: 0.99, gaeLambda: 0.95, batchSize: 400, updateEpochs: 2,
  actorLr: 1e-4, actorMinLr: 1e-4, actorWeightDecay: 0, criticLr: 1e-3, criticMinLr: 1e-3, criticWeightDecay: 0,
  lrWarmupSteps: 0, lrFirstCycleSteps: 15, nCriticWarmupItr: 1, targetKl: 1, vfCoef: 0.5,
  rewardScaleRunning: true, rewardScaleConst: 1, clipPlossCoef: 0.1, clipPlossCoefBase: 0.1, clipPlossCoefRate: 3,
  gammaDenoising: 0.95, ftDenoisingSteps: 5, minSamplingDenoisingStd: 0.1, minLogprobDenoisingStd: 0.1,
  randnClipValue: 3, maxEpisodeSteps: 20, bestRewardThresholdForSuccess: 1, logprobBatchSize: 10000, maxGradNorm: 0,
  ...COLLAPSE_PRESET,
};

const ACTOR: DiffusionMlpConfig = {
  kind: 'diffusion-mlp', obsDim: 4, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, denoisingSteps: 20,
  timeDim: 16, mlpDims: [64], activation: 'relu', residualStyle: true, denoisedClipValue: 1,
};

const reject = (overrides: Record<string, unknown>): string => {
  try {
    resolveFinetuneConfig(BASE, overrides);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
};

describe('settings schema', () => {
  it('has one entry with a doc line, a YAML key and an allowed range for every config key', () => {
    // A key added to FinetuneConfig without a schema entry cannot exist (the type is derived from the schema);
    // a key added to a preset or a stored config without one is rejected as unknown (next test).
    expect(Object.keys(BASE).sort()).toEqual([...FINETUNE_KEYS].sort());
    expect(FINETUNE_KEYS).toEqual(Object.keys(FINETUNE_SETTINGS));
    for (const k of FINETUNE_KEYS) {
      const info = finetuneSettingInfo(k);
      expect(info.doc.length, k).toBeGreaterThan(5);
      expect(info.doc, k).not.toContain('`');
      expect(info.allowed, k).toMatch(/^(a |an |true or false|one of )/);
      // DPPO's YAML key, except for the workbench's own settings (the algorithm choice, the collapse detector).
      if (k === 'algo' || k in COLLAPSE_PRESET) expect(info.yaml, k).toBeNull();
      else expect(info.yaml, k).toMatch(/^[a-z_.]+$/);
    }
    expect(finetuneSettingInfo('ftDenoisingSteps')).toMatchObject({ yaml: 'ft_denoising_steps', symbol: 'K′', integer: true, min: 1 });
    expect(finetuneSettingInfo('actorMinLr').yaml).toBe('actor_lr_scheduler.min_lr');
    expect(finetuneSettingInfo('actorLr').doc).toBe("Actor learning rate (the cosine schedule's max).");
  });

  it('rejects keys without a schema entry, suggesting the nearest', () => {
    expect(reject({ nEnv: 8 })).toMatch(/^Unknown fine-tuning setting "nEnv"; did you mean "nEnvs"\?/);
    expect(() => resolveFinetuneConfig({ ...BASE, extraKey: 1 } as FinetuneConfig)).toThrow(/Unknown fine-tuning setting "extraKey"/);
  });

  // Issue 13 item 2: each of these ran without complaint.
  const outOfRange: [string, string, string][] = [
    ['actorLr', '-1', 'actorLr (actor_lr) must be a number > 0; got -1.'],
    ['actorLr', '0', 'actorLr (actor_lr) must be a number > 0; got 0.'],
    ['clipPlossCoef', '-1', 'clipPlossCoef (clip_ploss_coef) must be a number > 0; got -1.'],
    ['clipPlossCoefBase', '-1', 'clipPlossCoefBase (clip_ploss_coef_base) must be a number > 0; got -1.'],
    ['targetKl', '-1', 'targetKl (target_kl) must be a number > 0; got -1.'],
    ['gammaDenoising', '-3', 'gammaDenoising (gamma_denoising) must be a number in (0, 1]; got -3.'],
    ['gammaDenoising', '1.5', 'gammaDenoising (gamma_denoising) must be a number in (0, 1]; got 1.5.'],
    ['minSamplingDenoisingStd', '-1', 'minSamplingDenoisingStd (min_sampling_denoising_std) must be a number > 0; got -1.'],
    ['randnClipValue', '-3', 'randnClipValue (randn_clip_value) must be a number > 0; got -3.'],
    ['vfCoef', '-1', 'vfCoef (vf_coef) must be a number ≥ 0; got -1.'],
    ['nCriticWarmupItr', '-2', 'nCriticWarmupItr (n_critic_warmup_itr) must be an integer from 0 to 100000; got -2.'],
    ['valFreq', '0', 'valFreq (val_freq) must be an integer from 1 to 100000; got 0.'],
    ['nTrainItr', '1e12', 'nTrainItr (n_train_itr) must be an integer from 1 to 100000; got 1e12.'],
    ['seed', '12345678901234567890', `seed must be an integer from 0 to ${MAX_SEED}; got 12345678901234567890.`],
    ['seed', '-1', `seed must be an integer from 0 to ${MAX_SEED}; got -1.`],
    ['seed', '1.5', `seed must be an integer from 0 to ${MAX_SEED}; got 1.5.`],
    ['gamma', '0', 'gamma must be a number in (0, 1]; got 0.'],
    ['gaeLambda', '1.01', 'gaeLambda (gae_lambda) must be a number in [0, 1]; got 1.01.'],
    ['batchSize', '0', 'batchSize (batch_size) must be an integer from 1 to 10000000; got 0.'],
    ['logprobBatchSize', '0', 'logprobBatchSize (logprob_batch_size) must be an integer from 1 to 10000000; got 0.'],
    ['updateEpochs', '2.5', 'updateEpochs (update_epochs) must be an integer from 1 to 1000; got 2.5.'],
    ['ftDenoisingSteps', '0', 'ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to 1000; got 0.'],
    ['maxGradNorm', '-0.5', 'maxGradNorm (max_grad_norm) must be a number ≥ 0; got -0.5.'],
    ['collapsePatience', '0', 'collapsePatience must be an integer from 1 to 1000; got 0.'],
    ['algo', 'ppo', 'algo must be one of dppo, gaussian, gmm; got "ppo".'],
    ['forceTrain', 'yes', 'forceTrain (force_train) must be true or false; got "yes".'],
  ];
  it.each(outOfRange)('rejects %s = %s with a message naming it and the allowed range', (key, raw, message) => {
    expect(reject({ [key]: raw })).toBe(message);
    // A typed number is checked the same way as text (where it prints as typed: a 20-digit number does not).
    if (String(Number(raw)) === raw) expect(reject({ [key]: Number(raw) })).toBe(message);
  });

  const notNumbers: [string, string][] = [
    ['abc', 'got "abc", which is not a number.'],
    ['NaN', 'got "NaN", which is not a finite number.'],
    ['Infinity', 'got "Infinity", which is not a finite number.'],
    ['-inf', 'got "-inf", which is not a finite number.'],
    ['1e400', 'got 1e400, which is too large for a number (it rounds to Infinity).'],
    ['0x10', 'got "0x10", which is not a number.'],
    ['1,5', 'got "1,5", which is not a number.'],
    ['', 'got nothing.'],
    ['   ', 'got nothing.'],
  ];
  it.each(notNumbers)('rejects the text %j in a numeric setting, naming the setting', (raw, tail) => {
    expect(reject({ actorLr: raw })).toBe(`actorLr (actor_lr) must be a number > 0; ${tail}`);
    expect(reject({ nEnvs: raw })).toMatch(/^nEnvs \(n_envs\) must be an integer from 1 to 4096; /);
  });

  it('rejects non-finite typed values too (checkpoint configs, JSON)', () => {
    expect(reject({ actorLr: Number.NaN })).toBe('actorLr (actor_lr) must be a number > 0; got NaN, which is not a finite number.');
    expect(reject({ gamma: Number.POSITIVE_INFINITY })).toMatch(/^gamma must be a number in \(0, 1\]; got Infinity/);
    expect(reject({ nEnvs: true })).toMatch(/^nEnvs \(n_envs\) must be an integer .*; got true, which is not a number but a boolean\./);
  });

  it('accepts plain decimal text and converts it', () => {
    const c = resolveFinetuneConfig(BASE, { actorLr: '1e-5', gamma: ' 0.98 ', nEnvs: '8', seed: String(MAX_SEED), forceTrain: 'false', rewardScaleRunning: '1', algo: 'gmm' });
    expect(c).toMatchObject({ actorLr: 1e-5, gamma: 0.98, nEnvs: 8, seed: MAX_SEED, forceTrain: false, rewardScaleRunning: true, algo: 'gmm' });
    // Large learning rates are valid settings: the divergence guard, not the schema, handles what they do.
    expect(resolveFinetuneConfig(BASE, { actorLr: '1e6' }).actorLr).toBe(1e6);
    expect(resolveFinetuneConfig(BASE, { bestRewardThresholdForSuccess: '-2.5' }).bestRewardThresholdForSuccess).toBe(-2.5);
  });

  it('names nEnvs and what fits in the 2 GB WebAssembly heap', () => {
    expect(MAX_ENVS).toBe(4096);
    expect(reject({ nEnvs: '100000' })).toBe(
      'nEnvs (n_envs) must be an integer from 1 to 4096; got 100000. Each MuJoCo env takes about 512 KB of the 2 GB WebAssembly heap, so at most 4096 fit.',
    );
    // The reason is given only where it applies.
    expect(reject({ nEnvs: '0' })).toBe('nEnvs (n_envs) must be an integer from 1 to 4096; got 0.');
  });

  it('reports every bad setting, and the relation warm-up < cycle length', () => {
    expect(reject({ actorLr: '-1', valFreq: '0' })).toBe('valFreq (val_freq) must be an integer from 1 to 100000; got 0. actorLr (actor_lr) must be a number > 0; got -1.');
    expect(reject({ lrWarmupSteps: 15 })).toBe('lrWarmupSteps (warmup_steps) must be less than the LR cycle length lrFirstCycleSteps (first_cycle_steps) = 15; got 15.');
    expect(reject({ lrFirstCycleSteps: 0, nTrainItr: 3, lrWarmupSteps: 3 })).toMatch(/less than the LR cycle length nTrainItr = 3 \(lrFirstCycleSteps is 0\)/);
    expect(resolveFinetuneConfig(BASE, { lrFirstCycleSteps: 0, nTrainItr: 40 }).lrFirstCycleSteps).toBe(40);
  });

  it('checks a single value with the same message (the form calls this for each field)', () => {
    expect(checkFinetuneSetting('targetKl', '-1')).toEqual({ ok: false, message: reject({ targetKl: '-1' }) });
    expect(checkFinetuneSetting('seed', '-1', '--seed')).toEqual({ ok: false, message: `--seed must be an integer from 0 to ${MAX_SEED}; got -1.` });
    expect(checkFinetuneSetting('nTrainItr', '3')).toEqual({ ok: true, value: 3 });
  });

  it('the one randnClipValue default is DPPO fine-tuning\'s 3', () => {
    expect(RANDN_CLIP_VALUE_DEFAULT).toBe(3);
  });
});

describe('settings against the checkpoint\'s actor', () => {
  it('rejects K′ > K (and K′ above the DDIM steps when the actor samples with DDIM)', () => {
    const cfg = resolveFinetuneConfig(BASE, { ftDenoisingSteps: 50 });
    expect(() => validateAgainstActor(cfg, ACTOR)).toThrow(
      "ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to 20, the checkpoint's denoising steps K; got 50.",
    );
    expect(() => validateAgainstActor(resolveFinetuneConfig(BASE, { ftDenoisingSteps: 20 }), ACTOR)).not.toThrow();
    expect(() => validateAgainstActor(resolveFinetuneConfig(BASE, { ftDenoisingSteps: 10 }), { ...ACTOR, ddimSteps: 5 })).toThrow(/from 1 to 5, the checkpoint's DDIM steps; got 10/);
    // Gaussian/GMM actors have no denoising axis: K′ is not used.
    const gaussian: GaussianMlpConfig = { kind: 'gaussian-mlp', obsDim: 4, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4, mlpDims: [8], activation: 'mish', residualStyle: true, stdMin: 0.01, stdMax: 0.2, stdInit: 0.1 };
    expect(() => validateAgainstActor(cfg, gaussian)).not.toThrow();
  });

  it('finetuneIssues reports the relation at ftDenoisingSteps when the actor is known', () => {
    const { config, issues } = finetuneIssues({ ...BASE, ftDenoisingSteps: '50' }, ACTOR);
    expect(config).toBeNull();
    expect(issues).toEqual([{ key: 'ftDenoisingSteps', message: expect.stringMatching(/from 1 to 20, the checkpoint's denoising steps K; got 50/) }]);
    expect(finetuneIssues({ ...BASE, ftDenoisingSteps: '50' }).issues).toEqual([]);
  });

  it('limits one iteration\'s rollout memory, naming nEnvs × nSteps and how many envs fit', () => {
    const cfg = resolveFinetuneConfig(BASE, { nEnvs: 4000, nSteps: 2000, ftDenoisingSteps: 10 });
    expect(rolloutBytes(cfg, ACTOR)).toBeGreaterThan(ROLLOUT_BUDGET_BYTES);
    expect(() => validateAgainstActor(cfg, ACTOR)).toThrow(/^nEnvs \(n_envs\) × nSteps \(n_steps\) = 4000 × 2000 needs about [\d.]+ GB for one iteration's rollout, more than the 1\.0 GB allowed; at nSteps 2000 at most \d+ envs fit\.$/);
    const fit = Number(/at most (\d+) envs fit/.exec(String((() => { try { validateAgainstActor(cfg, ACTOR); } catch (e) { return (e as Error).message; } })()))![1]);
    expect(() => validateAgainstActor({ ...cfg, nEnvs: fit }, ACTOR)).not.toThrow();
    expect(() => validateAgainstActor({ ...cfg, nEnvs: fit + 1 }, ACTOR)).toThrow();
  });
});
