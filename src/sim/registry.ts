/**
 * Task registry: task id → env factory + spec (design/architecture.md §3). The three Avoid ids differ only
 * in their pre-training data subset; all of them fine-tune on the same `avoiding-m5` env (spec §7.3).
 */
import { UserError } from '../core/errors';
import { loadMujoco, type Mujoco } from './mujoco';
import { AvoidEnv, avoidSpec } from './tasks/avoid/avoidEnv';
import { TWO_GOALS_SPEC, TwoGoalsEnv } from './tasks/twoGoals/twoGoalsEnv';
import type { Env, EnvSpec, TaskId } from './types';

export interface TaskEntry {
  readonly id: TaskId;
  /** One line for listings (`dppo info`, the task picker). */
  readonly description: string;
  /** Name of the reference env this task reproduces. */
  readonly referenceEnv: string;
  readonly spec: EnvSpec;
  /** A new env on an already loaded MuJoCo module (synchronous; the caller owns and disposes it). */
  create(mj: Mujoco): Env;
}

function avoidEntry(id: TaskId, subset: string): TaskEntry {
  return {
    id,
    description: `D3IL Avoid, pre-trained on subset ${subset}; fine-tuned toward mode 5 (left-most gap) and the goal line.`,
    referenceEnv: 'avoiding-m5',
    spec: avoidSpec(id),
    create: (mj) => new AvoidEnv(mj, { taskId: id }),
  };
}

const TASKS: Record<TaskId, TaskEntry> = {
  'avoid-m1': avoidEntry('avoid-m1', 'M1 (modes 5/6)'),
  'avoid-m2': avoidEntry('avoid-m2', 'M2 (modes 5/7)'),
  'avoid-m3': avoidEntry('avoid-m3', 'M3 (modes 5/8)'),
  'two-goals': {
    id: 'two-goals',
    description: 'Toy point mass with two goals of which only one pays (learning tests; no MuJoCo).',
    referenceEnv: 'none',
    spec: TWO_GOALS_SPEC,
    create: () => new TwoGoalsEnv(),
  },
};

/** Every registered task id, in listing order. */
export const TASK_IDS: readonly TaskId[] = Object.keys(TASKS) as TaskId[];

export function taskIds(): TaskId[] {
  return [...TASK_IDS];
}

export function isTaskId(id: string): id is TaskId {
  return Object.prototype.hasOwnProperty.call(TASKS, id);
}

/** The registry entry of a task; a UserError naming the known ids otherwise. */
export function getTask(id: string): TaskEntry {
  if (!isTaskId(id)) throw new UserError(`Unknown task "${id}": use one of ${taskIds().join(', ')}.`);
  return TASKS[id];
}

/** The spec of a task (dims, control dt, horizon, success threshold); a UserError for unknown ids. */
export function taskSpec(id: string): EnvSpec {
  return getTask(id).spec;
}

/** Loads MuJoCo (once per thread) and creates one env of the task. */
export async function makeEnv(id: string): Promise<Env> {
  const entry = getTask(id);
  return entry.create(await loadMujoco());
}
