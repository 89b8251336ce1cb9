/**
 * Hyper-parameter metadata for the form: the one-line explanation is read from the doc comments of
 * src/config/finetune.ts (bundled as text, so there is one source), the DPPO YAML key from the backticks in
 * that comment, and the paper's symbol from the table below (ux.md principle 4, spec §2–§4).
 */
import type { FinetuneConfig } from '../../config/finetune';
import finetuneSource from '../../config/finetune.ts?raw';

export interface ParamDoc {
  /** The explanation without the YAML key, one line. */
  doc: string;
  /** DPPO's YAML key, e.g. `ft_denoising_steps`. */
  dppoKey: string | null;
}

/** Parses `/** … *\/ key: type;` pairs of the FinetuneConfig interface. */
export function parseConfigDocs(source: string): Map<string, ParamDoc> {
  const start = source.indexOf('export interface FinetuneConfig');
  const body = source.slice(start, source.indexOf('\n}', start));
  const out = new Map<string, ParamDoc>();
  const re = /\/\*\*([\s\S]*?)\*\/\s*(\w+)\s*:/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const text = m[1]
      .split('\n')
      .map((l) => l.replace(/^\s*\*\s?/, '').trim())
      .join(' ')
      .trim();
    const keys = [...text.matchAll(/`([A-Za-z0-9_.]+)`/g)].map((k) => k[1]);
    const doc = text
      .replace(/\s*\(`[^`]+`\)/g, '')
      .replace(/`[^`]+`;\s*/g, '')
      .replace(/`/g, '')
      .trim();
    out.set(m[2], { doc, dppoKey: keys.length ? keys[keys.length - 1] : null });
  }
  return out;
}

export const PARAM_DOCS = parseConfigDocs(finetuneSource);

/** Paper symbols (spec/dppo-reference.md §2.4, §4.3–§4.6). */
export const PARAM_SYMBOLS: Partial<Record<keyof FinetuneConfig, string>> = {
  ftDenoisingSteps: 'K′',
  gammaDenoising: 'γ_den',
  minSamplingDenoisingStd: 'σ_min^exp',
  minLogprobDenoisingStd: 'σ_min^prob',
  clipPlossCoef: 'ε_clip',
  clipPlossCoefBase: 'ε_base',
  clipPlossCoefRate: 'ε_rate',
  gamma: 'γ',
  gaeLambda: 'λ',
  targetKl: 'KL_target',
  vfCoef: 'c_v',
  actorLr: 'η_actor',
  criticLr: 'η_critic',
};

export interface ParamGroup {
  title: string;
  keys: (keyof FinetuneConfig)[];
  /** Open by default. */
  open: boolean;
}

/** Form sections; every FinetuneConfig key except task/algo/seed appears exactly once. */
export const PARAM_GROUPS: ParamGroup[] = [
  { title: 'Rollout', open: true, keys: ['nEnvs', 'nSteps', 'nTrainItr', 'maxEpisodeSteps', 'resetAtIteration', 'forceTrain', 'valFreq'] },
  { title: 'Diffusion', open: true, keys: ['ftDenoisingSteps', 'gammaDenoising', 'minSamplingDenoisingStd', 'minLogprobDenoisingStd', 'randnClipValue'] },
  { title: 'PPO', open: true, keys: ['batchSize', 'updateEpochs', 'clipPlossCoef', 'clipPlossCoefBase', 'clipPlossCoefRate', 'targetKl', 'vfCoef', 'gamma', 'gaeLambda', 'maxGradNorm', 'nCriticWarmupItr'] },
  { title: 'Optimiser', open: false, keys: ['actorLr', 'actorMinLr', 'actorWeightDecay', 'criticLr', 'criticMinLr', 'criticWeightDecay', 'lrWarmupSteps', 'lrFirstCycleSteps'] },
  { title: 'Reward & success', open: false, keys: ['rewardScaleRunning', 'rewardScaleConst', 'bestRewardThresholdForSuccess', 'logprobBatchSize'] },
];

/** Integer-valued keys (the form steps by 1 and rejects fractions). */
export const INTEGER_KEYS = new Set<keyof FinetuneConfig>([
  'nEnvs', 'nSteps', 'nTrainItr', 'valFreq', 'batchSize', 'updateEpochs', 'lrWarmupSteps', 'lrFirstCycleSteps',
  'nCriticWarmupItr', 'ftDenoisingSteps', 'maxEpisodeSteps', 'logprobBatchSize',
]);
