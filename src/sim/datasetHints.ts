/**
 * Which registered task a dataset file belongs to, and how its keyed observations are ordered — the task
 * side of the dataset readers (src/data/readers). The readers report what a file says (env name, dims,
 * obs keys); this module scores the registered tasks against it. Task-specific knowledge (a key order, a
 * dataset naming scheme) is declared by the task family (TaskFamily.datasetHints) in its own folder.
 */
import type { TaskId, TaskInfo } from './types';

/** What a dataset file says about its task (the readers' DatasetHint, structurally). */
export interface DatasetHint {
  format: string;
  /** robomimic env_args.env_name, Minari dataset_id, D4RL metadata, when the file has one. */
  envName?: string;
  /** The file's name (a weak hint: D4RL files are often named after the env, e.g. hopper-medium-v2.hdf5). */
  fileName?: string;
  obsDim: number;
  actDim: number;
  obsKeys?: readonly string[];
}

export interface DatasetMatch {
  task: TaskId;
  /** Higher is better: 1 dims agree, +2 the env name names the task. */
  score: number;
  /** One line for the Datasets page and `dppo inspect`. */
  reason: string;
}

/** Optional dataset knowledge a task family declares (TaskFamily.datasetHints). */
export interface TaskDatasetHints {
  /** A family-specific match (e.g. a dataset naming scheme the generic rule misses); null = no opinion. */
  match?(hint: DatasetHint): DatasetMatch | null;
  /**
   * The observation keys of a keyed format (robomimic low-dim obs) in the order the task's policy expects,
   * given the keys the file has; null = the format's reference order.
   */
  obsKeyOrder?(task: TaskId, format: string, available: readonly string[]): readonly string[] | null;
}

/** Lower-case words of a name: 'D4RL/hopper/medium-v2' → hopper, medium, v2, d4rl. */
function words(s: string): string[] {
  return s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** True when `name` mentions the task's id or its reference env (version suffix dropped), as whole words. */
export function nameMentions(name: string, task: TaskInfo): boolean {
  const w = words(name).join(' ');
  const candidates = [task.id, task.referenceEnv.replace(/-v\d+$/i, '')].filter((c) => c && c !== 'none').map((c) => words(c).join(' '));
  return candidates.some((c) => c.length > 0 && ` ${w} `.includes(` ${c} `));
}

/** The generic rule: dims must agree (1 point); the file's env name (+2) or file name (+1) naming the task adds. */
export function genericMatch(hint: DatasetHint, task: TaskInfo): DatasetMatch | null {
  if (task.spec.obsDim !== hint.obsDim || task.spec.actDim !== hint.actDim) return null;
  let score = 1;
  const why = [`obs ${hint.obsDim} / action ${hint.actDim} dims match`];
  if (hint.envName && nameMentions(hint.envName, task)) {
    score += 2;
    why.unshift(`env name "${hint.envName}"`);
  } else if (hint.fileName && nameMentions(hint.fileName, task)) {
    score += 1;
    why.unshift(`file name "${hint.fileName}"`);
  }
  return { task: task.id, score, reason: why.join('; ') };
}
