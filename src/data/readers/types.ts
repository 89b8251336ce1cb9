/** What every reader returns besides the episodes: how the file's keys became obs/act, and hints for the task. */
import type { EpisodeDataset } from '../episodes';
import type { ReadProgress } from './progress';
import type { ByteSource } from './source';

/** Formats the readers tell apart by content (magic bytes, then layout). */
export type ReaderFormat = 'dppo-npz' | 'd4rl-hdf5' | 'robomimic-hdf5' | 'minari-hdf5' | 'lerobot-parquet';

export const FORMAT_TITLES: Record<ReaderFormat, string> = {
  'dppo-npz': 'DPPO train.npz',
  'd4rl-hdf5': 'D4RL HDF5',
  'robomimic-hdf5': 'robomimic HDF5',
  'minari-hdf5': 'Minari HDF5',
  'lerobot-parquet': 'LeRobot v3 parquet',
};

/** Where obs and actions came from: obs = concatenation of `obs` keys in order (dims each). */
export interface KeyMapping {
  obs: { key: string; dims: number }[];
  act: string;
  rew?: string;
  /** Keys whose flags end an episode (D4RL: terminals, timeouts). */
  ends?: string[];
  /** Low-dim keys present but not used (robomimic: e.g. robot0_joint_pos). */
  unused?: string[];
}

/**
 * What a file says about its task, for the registry's suggestion (sim/registry.ts suggestTaskForDataset):
 * the environment name it carries (robomimic env_args.env_name, Minari dataset_id), else none.
 */
export interface DatasetHint {
  format: ReaderFormat;
  envName?: string;
  fileName?: string;
  obsDim: number;
  actDim: number;
  /** Low-dim observation keys present (keyed formats). */
  obsKeys?: string[];
}

export interface ReadResult {
  format: ReaderFormat;
  dataset: EpisodeDataset;
  mapping: KeyMapping;
  hint: DatasetHint;
  /** robomimic mask/<key> filters available, and the one applied. */
  filterKeys?: string[];
  filterKey?: string;
  /** Things a user should know (trailing partial episode dropped, keys ignored, …). */
  notes: string[];
}

/**
 * Chooses the order of keyed observations (robomimic low-dim obs). Called with the env name and the keys a
 * file has; returns the keys to concatenate, or null to use the format's reference order. The CLI and the
 * data worker pass the task registry's (sim/registry.ts datasetObsKeyOrder), so task knowledge stays in the
 * task families.
 */
export type ObsKeyOrder = (q: { format: ReaderFormat; envName?: string; available: readonly string[] }) => readonly string[] | null;

export interface ReadOptions {
  onProgress?: (p: ReadProgress) => void;
  signal?: AbortSignal;
  obsKeyOrder?: ObsKeyOrder;
  /** robomimic: keep only the demos named in mask/<filterKey>. */
  filterKey?: string;
  /** DPPO npz: the normalization.npz that goes with train.npz. */
  normalization?: ByteSource;
}
