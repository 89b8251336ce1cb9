/**
 * Task registry (design/architecture.md §3): collects the task families, each defined in its own folder
 * under `tasks/`. Adding a family = its folder + one line in FAMILIES. Generic code finds everything about
 * a task (spec, env factory, presets, networks, views, bundled assets) through the functions below.
 */
import { UserError } from '../core/errors';
import { avoidFamily } from './tasks/avoid';
import { twoGoalsFamily } from './tasks/twoGoals';
import type { BundledAsset, EnvSpec, TaskFamily, TaskId, TaskInfo } from './types';

const FAMILIES: readonly TaskFamily[] = [
  avoidFamily,
  twoGoalsFamily,
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
