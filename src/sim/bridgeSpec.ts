/**
 * The `spec` block of a task's tasks.json entry for the Python bridge (docs/bridge-protocol.md): an EnvSpec
 * in the bridge's snake_case keys. Shared by every family's bridgeAssets so the entries cannot drift apart.
 */
import type { EnvSpec } from './types';

export function bridgeSpecJson(s: EnvSpec): Record<string, unknown> {
  return {
    task_id: s.taskId,
    obs_dim: s.obsDim,
    act_dim: s.actDim,
    act_low: s.actLow,
    act_high: s.actHigh,
    control_dt: s.controlDt,
    max_episode_steps: s.maxEpisodeSteps,
    best_reward_threshold_for_success: s.bestRewardThresholdForSuccess,
  };
}
