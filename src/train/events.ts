/**
 * Events emitted by the training loops (pretrainBc, finetunePpo, evaluate). They carry DELTAS (one
 * iteration's scalars), never histories (design/architecture.md §2). Metric keys are namespaced.
 */

/** Namespaced scalar metric keys (design §5.8). */
export type MetricKey =
  | 'charts/success_rate'
  | 'charts/avg_return'
  | 'charts/avg_best_reward'
  | 'charts/num_episodes'
  | 'charts/env_steps'
  | 'charts/wall_s'
  | 'charts/env_steps_per_s'
  | 'losses/policy_loss'
  | 'losses/value_loss'
  | 'losses/approx_kl'
  | 'losses/clipfrac'
  | 'losses/explained_variance'
  | 'losses/bc_loss'
  | 'train/actor_lr'
  | 'train/critic_lr'
  | 'train/eval_iteration'
  | 'time/rollout_s'
  | 'time/values_s'
  | 'time/update_s';

export type Phase = 'rollout' | 'values' | 'update' | 'eval' | 'pretrain' | 'idle';

/** A 2-D path of one env in one iteration (Avoid: tip xy), for the trajectory plot (Fig. 9). */
export interface EnvPath {
  env: number;
  /** Flat [x0, y0, x1, y1, …] in task units. */
  points: Float32Array;
  /** Task-specific outcome label: Avoid → row-3 gap 5..8 or -1 (never crossed), success flag. */
  mode: number;
  success: boolean;
  collided: boolean;
}

export type TrainEvent =
  | { type: 'start'; runId: string; totalIterations: number; envStepsPerIteration: number }
  | { type: 'progress'; phase: Phase; itr: number; fraction: number; message?: string }
  | { type: 'iteration'; itr: number; envSteps: number; wallS: number; metrics: Partial<Record<MetricKey, number>> }
  | { type: 'paths'; itr: number; paths: EnvPath[] }
  | { type: 'pretrain-epoch'; epoch: number; totalEpochs: number; loss: number; lr: number; wallS: number }
  | { type: 'done'; summary: Record<string, number | boolean | string> }
  | { type: 'error'; message: string };

export type TrainEventSink = (event: TrainEvent) => void;

/** Cooperative control for long loops: checked between phases and minibatches. */
export interface RunControl {
  /** Resolves immediately unless paused; awaits resume. */
  checkpoint(): Promise<void>;
  /** True once stop was requested: the loop finishes the current phase and returns. */
  readonly stopped: boolean;
}

export const alwaysRun: RunControl = {
  checkpoint: () => Promise.resolve(),
  stopped: false,
};
