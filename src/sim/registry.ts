/**
 * Task registry (design/architecture.md §3): collects the task families, each defined in its own folder
 * under `tasks/`. Adding a family = its folder + one line in FAMILIES. Generic code finds everything about
 * a task (spec, env factory, presets, networks, views, bundled assets) through the functions below.
 */
import type { ActorConfig } from '../config/model';
import { UserError } from '../core/errors';
import { avoidFamily } from './tasks/avoid';
import { gymFamily } from './tasks/gym';
import { twoGoalsFamily } from './tasks/twoGoals';
import type { BundledAsset, EnvSpec, TaskFamily, TaskId, TaskInfo } from './types';
import { genericMatch, nameMentions, type DatasetHint, type DatasetMatch } from './datasetHints';

const FAMILIES: readonly TaskFamily[] = [
  avoidFamily,
  twoGoalsFamily,
  gymFamily,
];

const byId = new Map<TaskId, { family: TaskFamily; info: TaskInfo }>();
for (const family of FAMILIES) {
  for (const info of family.tasks) {
    if (byId.has(info.id)) throw new Error(`Task id "${info.id}" is registered twice (family ${family.family}).`);
    byId.set(info.id, { family, info });
  }
}

/** Every registered family, in listing order. */
export function taskFamilies(): readonly TaskFamily[] {
  return FAMILIES;
}

/** Every registered task id, in listing order. */
export function taskIds(): TaskId[] {
  return [...byId.keys()];
}

export function isTaskId(id: string): boolean {
  return byId.has(id);
}

/** The task's record; a UserError naming the known ids otherwise. */
export function getTask(id: string): TaskInfo {
  return entry(id).info;
}

/** The family a task belongs to; a UserError naming the known ids otherwise. */
export function taskFamily(id: string): TaskFamily {
  return entry(id).family;
}

/** The spec of a task (dims, bounds, control dt, horizon, success threshold); a UserError for unknown ids. */
export function taskSpec(id: string): EnvSpec {
  return entry(id).info.spec;
}

/** Every bundled checkpoint of every task. */
export function bundledCheckpoints(): BundledAsset[] {
  return FAMILIES.flatMap((f) => [...f.checkpoints]);
}

/** Every bundled dataset (and its normalisation file) of every task. */
export function bundledDatasets(): BundledAsset[] {
  return FAMILIES.flatMap((f) => [...f.datasets]);
}

function entry(id: string): { family: TaskFamily; info: TaskInfo } {
  const e = byId.get(id);
  if (!e) throw new UserError(`Unknown task "${id}": use one of ${taskIds().join(', ')}.`);
  return e;
}

/** Largest initial-state noise multiplier accepted (well past where any locomotion start stays healthy). */
export const MAX_INIT_NOISE_SCALE = 1000;

/** What the task's initial-state noise scale multiplies (its family's `initNoise`), or null when it has none to widen. */
export function initNoiseOf(task: string): string | null {
  return taskFamily(task).initNoise ?? null;
}

/**
 * Checks an initial-state noise multiplier for a task (VecEnvOptions.initNoiseScale): a finite number in
 * [0, MAX_INIT_NOISE_SCALE] (0 = the noise-free start); a value ≠ 1 only for a family that declares
 * `initNoise`. A UserError naming the task otherwise.
 */
export function checkInitNoiseScale(task: string, scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0 || scale > MAX_INIT_NOISE_SCALE) {
    throw new UserError(`The initial-state noise scale must be a number from 0 to ${MAX_INIT_NOISE_SCALE}, got ${String(scale)}.`);
  }
  if (scale !== 1 && initNoiseOf(task) === null) {
    throw new UserError(`Task "${task}" (${taskFamily(task).title}) has no initial-state noise to widen: its reset is fixed, so only an init-noise scale of 1 applies (action noise still does).`);
  }
}

/** True for `builtin:<task>/<name>` references to bundled files. */
export function isBuiltin(ref: string): boolean {
  return ref.startsWith('builtin:');
}

/** `builtin:<task>/<name>` → its bundled file; a UserError listing the valid names otherwise. */
export function resolveBuiltin(ref: string): BundledAsset {
  const all = [...bundledCheckpoints(), ...bundledDatasets()];
  const hit = all.find((a) => a.id === ref);
  if (!hit) throw new UserError(`Unknown bundled asset "${ref}"; available: ${all.filter((a) => a.kind !== 'normalization').map((a) => a.id).join(', ')}.`);
  return hit;
}

/** The bundled pre-trained checkpoint of a task for an algorithm (`builtin:<task>/<policy>`). */
export function defaultCheckpointFor(task: string, algo: 'dppo' | 'gaussian' | 'gmm'): string {
  const name = algo === 'dppo' ? 'diffusion-mlp' : algo === 'gaussian' ? 'gaussian-mlp' : 'gmm-mlp';
  return `builtin:${task}/${name}`;
}

/** Policy kinds every task can pre-train (sizes from the task's family, spec §3.6). */
export const PRETRAIN_POLICY_KINDS = ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'] as const;
export type PretrainPolicyKind = (typeof PRETRAIN_POLICY_KINDS)[number];

/** The actor configuration a task pre-trains for a policy kind; a UserError naming the kinds otherwise. */
export function actorConfigFor(task: string, kind: string): ActorConfig {
  const networks = taskFamily(task).networks;
  if (!(PRETRAIN_POLICY_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(`Pre-training supports ${PRETRAIN_POLICY_KINDS.join(', ')}, not "${kind}".`);
  }
  return networks[kind as PretrainPolicyKind](task);
}

/** The task a new user starts with: the first family's declared default, else the first registered task. */
export function defaultTaskId(): TaskId {
  return FAMILIES.find((f) => f.defaultTask)?.defaultTask ?? taskIds()[0];
}

/**
 * Registered tasks a dataset fits, best first (datasetHints.ts): dims must agree; an env name or file name
 * that names the task ranks it higher; a family's own `datasetHints.match` can add its knowledge.
 */
export function suggestTasksForDataset(hint: DatasetHint): DatasetMatch[] {
  const out = new Map<TaskId, DatasetMatch>();
  for (const family of FAMILIES) {
    for (const info of family.tasks) {
      const m = genericMatch(hint, info);
      if (m) out.set(info.id, m);
    }
    const own = family.datasetHints?.match?.(hint);
    if (own && byId.has(own.task) && (out.get(own.task)?.score ?? 0) < own.score) out.set(own.task, own);
  }
  return [...out.values()].sort((a, b) => b.score - a.score);
}

/**
 * The observation key order for a keyed dataset format (robomimic low-dim obs): asked of the family whose
 * task the file's env name mentions; null when no family declares one (the reader's reference order applies).
 */
export function datasetObsKeyOrder(q: { format: string; envName?: string; available: readonly string[] }): readonly string[] | null {
  if (!q.envName) return null;
  for (const family of FAMILIES) {
    const order = family.datasetHints?.obsKeyOrder;
    if (!order) continue;
    for (const info of family.tasks) {
      if (nameMentions(q.envName, info)) {
        const keys = order(info.id, q.format, q.available);
        if (keys) return keys;
      }
    }
  }
  return null;
}
