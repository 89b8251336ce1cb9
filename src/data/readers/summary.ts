/** The dataset summary line (`dppo inspect --json`, the Datasets page header), without the task suggestion (added by the caller through the task registry). */
import { FORMAT_TITLES, type ReadResult } from './types';

export interface DatasetSummary {
  format: string;
  format_title: string;
  episodes: number;
  steps: number;
  obs_dim: number;
  act_dim: number;
  lengths: { min: number; median: number; mean: number; max: number };
  normalized: boolean;
  has_normalization: boolean;
  env_name?: string;
  key_mapping: ReadResult['mapping'];
  filter_keys?: string[];
  filter?: string;
  notes: string[];
}

export function summarizeRead(r: ReadResult): DatasetSummary {
  const ds = r.dataset;
  const lengths = [...ds.episodeLengths].sort((a, b) => a - b);
  const steps = lengths.reduce((a, b) => a + b, 0);
  return {
    format: r.format,
    format_title: FORMAT_TITLES[r.format],
    episodes: lengths.length,
    steps,
    obs_dim: ds.obsDim,
    act_dim: ds.actDim,
    lengths: { min: lengths[0], median: lengths[Math.floor((lengths.length - 1) / 2)], mean: steps / lengths.length, max: lengths[lengths.length - 1] },
    normalized: ds.normalized,
    has_normalization: !!ds.normalization,
    env_name: r.hint.envName,
    key_mapping: r.mapping,
    filter_keys: r.filterKeys,
    filter: r.filterKey,
    notes: r.notes,
  };
}
