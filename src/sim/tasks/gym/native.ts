/**
 * The Gym tasks' rule for the native-MuJoCo benchmark driver (bench/native_sim.py): the observation layout,
 * health rule, reward weights and reset noise of Gymnasium v4, from the task table, as plain JSON.
 */
import type { NativeRule } from '../../types';
import type { GymTaskDef } from './tasks';

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The Python driver's rule for a Gym task (its health rule, reward weights, reset noise and observation). */
export function gymNativeRule(d: GymTaskDef): NativeRule {
  return {
    obs_qpos_start: 1,
    obs_qvel_clip: d.obsQvelClip,
    reset_noise_scale: d.resetNoiseScale,
    qvel_noise: d.qvelNoise,
    ctrl_cost_weight: d.ctrlCostWeight,
    healthy_reward: d.healthyReward,
    health: d.health
      ? {
          z: [finite(d.health.z[0]), finite(d.health.z[1])],
          pitch: [finite(d.health.pitch[0]), finite(d.health.pitch[1])],
          ...(d.health.stateAbs !== undefined ? { state_abs: d.health.stateAbs } : {}),
        }
      : null,
  };
}
