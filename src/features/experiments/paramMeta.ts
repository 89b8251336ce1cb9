/**
 * How the form groups the hyper-parameters. Everything else about a setting — its one-line doc, DPPO's YAML
 * key, the paper's symbol, integer-ness and allowed range — comes from its schema entry in
 * src/config/finetune.ts (`finetuneSettingInfo`), the same one `--set` and links are checked against.
 */
import { finetuneSettingInfo, type FinetuneKey } from '../../config/finetune';
import type { SettingInfo } from '../../config/schema';

/** A setting's schema metadata (doc, YAML key, symbol, range). */
export function paramInfo(key: FinetuneKey): SettingInfo {
  return finetuneSettingInfo(key);
}

export interface ParamGroup {
  title: string;
  keys: FinetuneKey[];
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
  { title: 'Divergence guard', open: false, keys: ['collapseKlFactor', 'collapseClipfracMax', 'collapseDropFraction', 'collapsePatience', 'collapseHalt'] },
];
