/**
 * Names of the scalars a training run records, one per metric (design §5.8: namespaced like DPPO's wandb
 * keys). Shared by the loops (train/events.ts), the run store (data/runs.ts) and the charts.
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
  | 'losses/actor_grad_norm'
  | 'losses/critic_grad_norm'
  | 'losses/bc_loss'
  | 'train/actor_lr'
  | 'train/critic_lr'
  | 'train/eval_iteration'
  | 'time/rollout_s'
  | 'time/values_s'
  | 'time/update_s'
  /** Running (un-paused) seconds of the whole iteration, setup excluded. */
  | 'time/iteration_s'
  /** Seconds the run was held by a pause during the iteration (not counted in any other time). */
  | 'time/paused_s';
