/**
 * Events emitted by the training loops (pretrainBc, finetunePpo, evaluate). They carry DELTAS (one
 * iteration's scalars), never histories (design/architecture.md §2). Metric keys are namespaced.
 */

import type { FinetuneConfig } from '../config/finetune';
import type { MetricKey } from '../config/metrics';
import type { CollapseKind } from './divergence';

export type { MetricKey };

export type Phase = 'rollout' | 'values' | 'update' | 'eval' | 'pretrain' | 'idle';

/**
 * One env's episode (or the part of it inside one iteration) for the trajectory view (Fig. 9): the task's
 * trace points and its tags. What the points mean is the task's trajectory view (sim TaskFamily.trajectory).
 */
export interface EnvPath {
  env: number;
  /** Flat trace points [steps, Dt] in task units (Avoid: tip x, y; Gym: torso x, height). */
  points: Float32Array;
  /** Dt: values per point. */
  traceDim: number;
  /** The task's tags at the path's last chunk (Avoid: row3Mode, collided). */
  tags: Record<string, number>;
  /** Best chunk mean reward ≥ the success threshold (spec §4.2). */
  success: boolean;
  /** The episode ended terminated (e.g. a fall), not by the time limit. */
  terminated: boolean;
}

export type TrainEvent =
  /** `config`: the settings the loop actually runs with (after GPU sizing, docs/benchmarks.md), recorded on the run. */
  | { type: 'start'; runId: string; totalIterations: number; envStepsPerIteration: number; config?: FinetuneConfig }
  | { type: 'progress'; phase: Phase; itr: number; fraction: number; message?: string }
  | { type: 'iteration'; itr: number; envSteps: number; wallS: number; metrics: Partial<Record<MetricKey, number>> }
  | { type: 'paths'; itr: number; paths: EnvPath[] }
  | { type: 'pretrain-epoch'; epoch: number; totalEpochs: number; loss: number; lr: number; wallS: number }
  | { type: 'done'; summary: Record<string, number | boolean | string> }
  /**
   * A collapse warning from the divergence guard (divergence.ts): `metric` names the curve that shows it,
   * `itr` the iteration that completed the streak (its point is already recorded).
   */
  | { type: 'warning'; itr: number; kind: CollapseKind; metric: MetricKey; message: string }
  /**
   * The run failed. After a divergence, `lastGood` names where the last good weights were kept (the worker's
   * `session:<runId>`) and the iteration they were taken after (−1 = the starting weights).
   */
  | { type: 'error'; message: string; lastGood?: { checkpoint: string; itr: number } };

export type TrainEventSink = (event: TrainEvent) => void;

/** Cooperative control for long loops: checked between phases and minibatches. */
export interface RunControl {
  /** Resolves immediately unless paused; awaits resume. */
  checkpoint(): Promise<void>;
  /**
   * True once stop was requested: the loop abandons the iteration in progress at its next checkpoint (no
   * 'iteration' event for it; a partial update is undone) and returns with the completed ones.
   */
  readonly stopped: boolean;
  /** Milliseconds spent held by a pause so far (not work: loops subtract it from their timings). */
  readonly pausedMs?: number;
}

export const alwaysRun: RunControl = {
  checkpoint: () => Promise.resolve(),
  stopped: false,
  pausedMs: 0,
};
