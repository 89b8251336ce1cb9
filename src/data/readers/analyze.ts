/**
 * What the Datasets page shows about a read dataset, computed in the data worker: the episode table, the
 * length histogram, per-dimension ranges and histograms, normalisation statistics and the sanity report
 * (non-finite values, constant dimensions, actions outside [−1, 1] after normalisation, episodes shorter than
 * the policy's action chunk, which DPPO's StitchedSequenceDataset cannot sample: spec/dppo-reference.md §6.1).
 * Also the training arrays for "pre-train on this": normalised with DPPO's min/max rule (§6.2).
 */
import { UserError } from '../../core/errors';
import { Normalizer, type NormalizationStats } from '../../policy/normalizer';
import type { EpisodeDataset } from '../episodes';
import { episodeStarts } from '../episodes';

export const HIST_BINS = 24;

export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
}

export interface DimStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  /** NaN/±Inf values in this dimension (left out of the other numbers). */
  nonFinite: number;
  constant: boolean;
  hist: Histogram;
}

export interface EpisodeRow {
  index: number;
  length: number;
  /** Σ reward, when the dataset has rewards. */
  ret?: number;
  /** Ends with a terminal flag. */
  terminal?: boolean;
}

export interface SanityReport {
  nonFinite: { obs: number; act: number; rew: number };
  constantObs: number[];
  constantAct: number[];
  /** Normalised action values outside [−1, 1] (of all action values). */
  actionsOutside: number;
  actionValues: number;
  /** Where the normalisation came from: the file's own statistics, or fitted here to this data. */
  normalizationSource: 'file' | 'fitted' | 'none';
  /** Episodes shorter than `chunk` steps (no training sample starts in them). */
  chunk: number | null;
  shortEpisodes: number;
  shortExamples: number[];
}

export interface DatasetAnalysis {
  episodes: EpisodeRow[];
  /** Rows shown are capped; this is the real count. */
  episodeCount: number;
  lengthHist: Histogram;
  obs: DimStats[];
  act: DimStats[];
  /** Statistics the policy would be trained with (raw task units). */
  normalization: { obsMin: number[]; obsMax: number[]; actionMin: number[]; actionMax: number[] } | null;
  sanity: SanityReport;
}

const MAX_ROWS = 5000;

export function histogram(values: ArrayLike<number>, stride = 1, offset = 0, bins = HIST_BINS): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (lo === Infinity) return { lo: 0, hi: 0, counts };
  const w = hi > lo ? (hi - lo) / bins : 1;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  return { lo, hi, counts };
}

function dimStats(x: Float32Array, dim: number): DimStats[] {
  const out: DimStats[] = [];
  for (let d = 0; d < dim; d++) {
    let n = 0;
    let sum = 0;
    let sq = 0;
    let bad = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = d; i < x.length; i += dim) {
      const v = x[i];
      if (!Number.isFinite(v)) {
        bad++;
        continue;
      }
      n++;
      sum += v;
      sq += v * v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const mean = n ? sum / n : NaN;
    out.push({
      min: n ? lo : NaN,
      max: n ? hi : NaN,
      mean,
      std: n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : NaN,
      nonFinite: bad,
      constant: n > 0 && hi === lo,
      hist: histogram(x, dim, d),
    });
  }
  return out;
}

function countNonFinite(x?: Float32Array): number {
  if (!x) return 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) c++;
  return c;
}

/** The normaliser training uses: the file's stats, else min/max fitted to the (finite) data (§6.2). */
export function trainingNormalizer(ds: EpisodeDataset): { normalizer: Normalizer | null; source: SanityReport['normalizationSource'] } {
  if (ds.normalization) return { normalizer: new Normalizer(ds.normalization), source: 'file' };
  if (ds.normalized) return { normalizer: null, source: 'none' };
  const obs = dimStats(ds.obs, ds.obsDim);
  const act = dimStats(ds.act, ds.actDim);
  if ([...obs, ...act].some((s) => !Number.isFinite(s.min))) return { normalizer: null, source: 'none' };
  const stats: NormalizationStats = {
    obsMin: Float32Array.from(obs, (s) => s.min),
    obsMax: Float32Array.from(obs, (s) => s.max),
    actionMin: Float32Array.from(act, (s) => s.min),
    actionMax: Float32Array.from(act, (s) => s.max),
  };
  return { normalizer: new Normalizer(stats), source: 'fitted' };
}

/** Everything the inspector and the sanity report show. @param chunk the policy's action chunk (Ta), when a task is known */
export function analyzeDataset(ds: EpisodeDataset, chunk: number | null): DatasetAnalysis {
  const L = ds.episodeLengths;
  const starts = episodeStarts(L);
  const episodes: EpisodeRow[] = [];
  for (let i = 0; i < Math.min(L.length, MAX_ROWS); i++) {
    const row: EpisodeRow = { index: i, length: L[i] };
    if (ds.rew) {
      let r = 0;
      for (let t = starts[i]; t < starts[i] + L[i]; t++) r += ds.rew[t];
      row.ret = r;
    }
    if (ds.terminals) row.terminal = ds.terminals[starts[i] + L[i] - 1] === 1;
    episodes.push(row);
  }
  const obs = dimStats(ds.obs, ds.obsDim);
  const act = dimStats(ds.act, ds.actDim);
  const { normalizer, source } = trainingNormalizer(ds);
  // Actions as the policy sees them: the file's values when already normalised, else scaled by the normaliser.
  let outside = 0;
  const normAct = ds.normalized ? ds.act : normalizer ? normalizer.normalizeAction(ds.act) : null;
  if (normAct) for (let i = 0; i < normAct.length; i++) if (Math.abs(normAct[i]) > 1 + 1e-6) outside++;
  const short: number[] = [];
  let shortCount = 0;
  if (chunk !== null) {
    for (let i = 0; i < L.length; i++) {
      if (L[i] < chunk) {
        shortCount++;
        if (short.length < 10) short.push(i);
      }
    }
  }
  const s = normalizer?.stats;
  return {
    episodes,
    episodeCount: L.length,
    lengthHist: histogram(L, 1, 0, Math.min(HIST_BINS, Math.max(1, L.length))),
    obs,
    act,
    normalization: s ? { obsMin: [...s.obsMin], obsMax: [...s.obsMax], actionMin: [...s.actionMin], actionMax: [...s.actionMax] } : null,
    sanity: {
      nonFinite: { obs: countNonFinite(ds.obs), act: countNonFinite(ds.act), rew: countNonFinite(ds.rew) },
      constantObs: obs.flatMap((d, i) => (d.constant ? [i] : [])),
      constantAct: act.flatMap((d, i) => (d.constant ? [i] : [])),
      actionsOutside: outside,
      actionValues: ds.act.length,
      normalizationSource: source,
      chunk,
      shortEpisodes: shortCount,
      shortExamples: short,
    },
  };
}

export interface TrainingData {
  /** Normalised states [T, Do] and actions [T, Da] (spec §6.1 train.npz layout). */
  states: Float32Array;
  actions: Float32Array;
  trajLengths: Int32Array;
  normalization: NormalizationStats;
}

/**
 * The arrays BC pre-training consumes: normalised to [−1, 1] with the file's statistics, or with min/max
 * fitted here (DPPO's converters do the same, §6.3). Non-finite values are refused with where they are.
 */
export function prepareTrainingData(ds: EpisodeDataset, name: string): TrainingData {
  for (const [arr, what, dim] of [[ds.obs, 'observations', ds.obsDim], [ds.act, 'actions', ds.actDim]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) {
        const step = Math.floor(i / dim);
        const ep = episodeOf(ds.episodeLengths, step);
        throw new UserError(`${name}: ${what} hold a non-finite value (${arr[i]}) at episode ${ep}, step ${step}, dimension ${i % dim}; clean the data (the sanity report counts them) before pre-training.`);
      }
    }
  }
  const { normalizer } = trainingNormalizer(ds);
  if (ds.normalized) {
    // Already in [−1, 1] (DPPO train.npz). Without its normalization.npz the raw units are unknown: identity-like stats.
    const stats = ds.normalization ?? {
      obsMin: new Float32Array(ds.obsDim).fill(-1),
      obsMax: new Float32Array(ds.obsDim).fill(1),
      actionMin: new Float32Array(ds.actDim).fill(-1),
      actionMax: new Float32Array(ds.actDim).fill(1),
    };
    return { states: ds.obs.slice(), actions: ds.act.slice(), trajLengths: ds.episodeLengths.slice(), normalization: stats };
  }
  if (!normalizer) throw new UserError(`${name}: no normalisation statistics could be fitted (a dimension has no finite value).`);
  return {
    states: normalizer.normalizeObs(ds.obs),
    actions: normalizer.normalizeAction(ds.act),
    trajLengths: ds.episodeLengths.slice(),
    normalization: normalizer.stats,
  };
}

function episodeOf(lengths: Int32Array, step: number): number {
  let s = 0;
  for (let i = 0; i < lengths.length; i++) {
    s += lengths[i];
    if (step < s) return i;
  }
  return lengths.length - 1;
}

/** Raw (task-unit) observations, for path previews: un-normalised when the file stores normalised states. */
export function rawObs(ds: EpisodeDataset): Float32Array {
  if (ds.normalized && ds.normalization) return new Normalizer(ds.normalization).unnormalizeObs(ds.obs);
  return ds.obs;
}
