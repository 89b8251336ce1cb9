/**
 * The one internal dataset schema every reader produces (design/architecture.md §3 "Dataset"):
 * episodes stored back to back ("stitched", spec/dppo-reference.md §6.1), with optional rewards and
 * terminals, per-episode labels, normalisation statistics and where the data came from.
 * Legend: T = total steps over all episodes, N = episodes, Do/Da = obs/action dims.
 */
import { UserError } from '../core/errors';
import type { NormalizationStats } from '../policy/normalizer';

/** Where a dataset came from: the readers' formats (readers/types.ts ReaderFormat) and the scripted experts. */
export type DatasetFormat = 'dppo-npz' | 'd4rl-hdf5' | 'robomimic-hdf5' | 'minari-hdf5' | 'lerobot-parquet' | 'scripted-expert';

export interface DatasetSource {
  format: DatasetFormat;
  /** Task the data belongs to, when known (a registered task id). */
  task?: string;
  /** One line for the datasets page. */
  description: string;
}

export interface EpisodeDataset {
  obsDim: number;
  actDim: number;
  /** Observations [T, Do]. */
  obs: Float32Array;
  /** Actions [T, Da]. */
  act: Float32Array;
  /** Rewards [T], when the source has them. */
  rew?: Float32Array;
  /** Terminal flags [T] (0/1), when the source has them. */
  terminals?: Uint8Array;
  /** Episode lengths [N]; Σ = T. */
  episodeLengths: Int32Array;
  /** True when obs/act are already scaled to [−1, 1] (DPPO's train.npz, §6.1). */
  normalized: boolean;
  /** Min/max statistics (§6.2), when known. */
  normalization?: NormalizationStats;
  /** Per-episode labels [N] (Avoid: the 9-bit mode mask), when known. */
  episodeModes?: Int32Array;
  source: DatasetSource;
}

/** Total steps T. */
export function totalSteps(ds: Pick<EpisodeDataset, 'episodeLengths'>): number {
  let t = 0;
  for (const l of ds.episodeLengths) t += l;
  return t;
}

/** Start index of every episode [N]. */
export function episodeStarts(lengths: Int32Array): Int32Array {
  const starts = new Int32Array(lengths.length);
  let s = 0;
  for (let i = 0; i < lengths.length; i++) {
    starts[i] = s;
    s += lengths[i];
  }
  return starts;
}

/** Views (no copies) of episode i's obs [L, Do] and act [L, Da]. */
export function episodeView(ds: EpisodeDataset, i: number): { obs: Float32Array; act: Float32Array; length: number } {
  if (i < 0 || i >= ds.episodeLengths.length) throw new RangeError(`Episode ${i} out of range [0, ${ds.episodeLengths.length}).`);
  const start = episodeStarts(ds.episodeLengths)[i];
  const length = ds.episodeLengths[i];
  return {
    obs: ds.obs.subarray(start * ds.obsDim, (start + length) * ds.obsDim),
    act: ds.act.subarray(start * ds.actDim, (start + length) * ds.actDim),
    length,
  };
}

/**
 * Throws a UserError naming the first inconsistency (shapes, lengths, non-finite values).
 * @param opts.finite false: shapes only — the dataset readers keep NaNs so the Datasets page can report them
 *   (readers/analyze.ts); training data is checked again before use (readers/analyze.ts prepareTrainingData).
 */
export function validateEpisodeDataset(ds: EpisodeDataset, name = 'dataset', opts: { finite?: boolean } = {}): void {
  const T = totalSteps(ds);
  if (ds.episodeLengths.some((l) => l <= 0)) throw new UserError(`${name}: every episode length must be positive.`);
  if (ds.obs.length !== T * ds.obsDim) throw new UserError(`${name}: obs has ${ds.obs.length} values, expected ${T} steps × ${ds.obsDim}.`);
  if (ds.act.length !== T * ds.actDim) throw new UserError(`${name}: actions have ${ds.act.length} values, expected ${T} steps × ${ds.actDim}.`);
  if (ds.rew && ds.rew.length !== T) throw new UserError(`${name}: rewards have ${ds.rew.length} values, expected ${T}.`);
  if (ds.terminals && ds.terminals.length !== T) throw new UserError(`${name}: terminals have ${ds.terminals.length} values, expected ${T}.`);
  if (ds.episodeModes && ds.episodeModes.length !== ds.episodeLengths.length) {
    throw new UserError(`${name}: ${ds.episodeModes.length} episode labels for ${ds.episodeLengths.length} episodes.`);
  }
  const n = ds.normalization;
  if (n && (n.obsMin.length !== ds.obsDim || n.actionMin.length !== ds.actDim)) {
    throw new UserError(`${name}: normalisation stats are for obs ${n.obsMin.length} / action ${n.actionMin.length}, data has ${ds.obsDim} / ${ds.actDim}.`);
  }
  if (opts.finite === false) return;
  for (const [arr, what] of [[ds.obs, 'obs'], [ds.act, 'actions']] as const) {
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) throw new UserError(`${name}: ${what} contain a non-finite value at index ${i}.`);
  }
}
