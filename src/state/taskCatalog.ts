/**
 * The task catalog as the UI sees it: plain data from the task registry (sim/registry.ts), so pages and
 * forms list whatever tasks are registered and draw each task's views from its own description. No
 * MuJoCo or tfjs is loaded by importing this (the env factories are only called in workers).
 */
import { bundledCheckpoints, defaultTaskId, getTask, isTaskId, taskFamilies, taskFamily } from '../sim/registry';
import type { InspectorDefaults, PresetFn, PresetName, TagDef, TaskId, TrajectoryView } from '../sim/types';

export type { InspectorDefaults, PresetName, TagDef, TaskId, TrajectoryView };

export interface TaskListing {
  id: TaskId;
  description: string;
  /** Family title, for grouping (e.g. "D3IL Avoid", "Gym locomotion"). */
  group: string;
  /** Whether the 3-D viewer can show this task's scene. */
  hasScene: boolean;
  /** Tasks with the same key show the same scene (e.g. the three Avoid subsets share one env). */
  sceneKey: string;
}

/** Every registered task, grouped by family in registry order. */
export function taskListings(): TaskListing[] {
  return taskFamilies().flatMap((f) =>
    f.tasks.map((t) => ({ id: t.id, description: t.description, group: f.title, hasScene: f.viewer !== null && f.needsMujoco, sceneKey: `${f.family}:${t.referenceEnv}` })),
  );
}

/** One task per distinct 3-D scene, for the viewer's scene picker. */
export function sceneListings(): TaskListing[] {
  const seen = new Set<string>();
  return taskListings().filter((t) => t.hasScene && !seen.has(t.sceneKey) && seen.add(t.sceneKey));
}

/** The scene picker's entry showing the same scene as `name` ('demo' or a task id). */
export function sceneOptionFor(name: string): string {
  const key = taskListings().find((t) => t.id === name)?.sceneKey;
  return key ? sceneListings().find((t) => t.sceneKey === key)?.id ?? name : name;
}

export { bundledCheckpoints, isTaskId };

export const PRESET_NAMES: readonly PresetName[] = ['laptop', 'reference'];

export function taskPreset(task: TaskId, preset: PresetName): PresetFn {
  return taskFamily(task).presets[preset];
}

export function trajectoryView(task: TaskId): TrajectoryView | null {
  return taskFamily(task).trajectory;
}

export function taskTags(task: TaskId): readonly TagDef[] {
  return taskFamily(task).tags;
}

export function inspectorDefaults(task: TaskId): InspectorDefaults {
  return taskFamily(task).inspector(task);
}

export function taskDescription(task: TaskId): string {
  return getTask(task).description;
}

/** The default experiment's task (the registry's: the first family's declared default). */
export function defaultTask(): TaskId {
  return defaultTaskId();
}

/** The viewer scene for a task: the task's own scene where it has one, else the demo scene. */
export function viewerSceneFor(task: TaskId): string {
  return taskListings().some((t) => t.id === task && t.hasScene) ? task : 'demo';
}
