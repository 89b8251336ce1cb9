/**
 * The three Gym locomotion tasks as data (spec/dppo-reference.md §7.1): what differs between Hopper,
 * Walker2d and HalfCheetah. Every number is the default of Gymnasium's v4 env, which keeps the v2/v3
 * semantics DPPO fine-tunes on (`hopper-medium-v2` etc. are D4RL wrappers of the v2 envs):
 *
 * | | frame skip × dt | ctrl cost | healthy bonus | terminates when | reset noise |
 * |---|---|---|---|---|---|
 * | Hopper | 4 × 2 ms | 1e-3‖a‖² | 1 | z ≤ 0.7, \|pitch\| ≥ 0.2, or any of qpos[2:], qvel ∉ (−100, 100) | U(±5e-3) on qpos and qvel |
 * | Walker2d | 4 × 2 ms | 1e-3‖a‖² | 1 | z ∉ (0.8, 2), pitch ∉ (−1, 1) | U(±5e-3) on qpos and qvel |
 * | HalfCheetah | 5 × 10 ms | 0.1‖a‖² | – | never | U(±0.1) on qpos, 0.1·N(0, 1) on qvel |
 *
 * Observations are qpos without the root x, then qvel (clipped to ±10 for Hopper and Walker2d; the
 * health test reads the unclipped state). The healthy bonus is paid on every step, the falling one too
 * (Gymnasium: `is_healthy or terminate_when_unhealthy`).
 */
import type { GymModelName } from './mjcf';

export type GymTaskId = GymModelName;

export const GYM_TASKS = ['hopper', 'walker2d', 'halfcheetah'] as const satisfies readonly GymTaskId[];

/** Health rule of the planar walkers: z = qpos[1] (torso height), pitch = qpos[2], strict bounds. */
export interface HealthRule {
  z: readonly [number, number];
  pitch: readonly [number, number];
  /** Hopper only: every entry of [qpos[2:], qvel] must lie strictly inside ±this. */
  stateAbs?: number;
}

export interface GymTaskDef {
  id: GymTaskId;
  title: string;
  /** The reference env DPPO fine-tunes on (gym 0.22 / mujoco-py), and the Gymnasium env with the same semantics. */
  referenceEnv: string;
  gymnasiumEnv: string;
  obsDim: number;
  actDim: number;
  /** MuJoCo steps per env step; physics timestep (s). */
  frameSkip: number;
  timestep: number;
  ctrlCostWeight: number;
  healthyReward: number;
  health: HealthRule | null;
  /** Clip of qvel in the observation (null: unclipped). */
  obsQvelClip: number | null;
  /** Reset noise: qpos + U(−scale, scale); qvel + U(−scale, scale) or scale·N(0, 1). */
  resetNoiseScale: number;
  qvelNoise: 'uniform' | 'normal';
  /** World z of the torso frame when qpos[1] = 0 (Hopper/Walker: rootz has ref 1.25 so qpos[1] is the height). */
  heightOffset: number;
  /** qpos[1] of the model's reference pose (qpos0): 1.25 for the walkers, 0 for the cheetah. */
  rootz0: number;
  /** Actuated joints in actuator order (= qpos[3:] order). */
  joints: readonly string[];
  /** Actuator gears (N·m per unit of ctrl), for the docs and the inspector. */
  gear: readonly number[];
}

const WALKER_JOINTS = ['thigh', 'leg', 'foot', 'thigh_left', 'leg_left', 'foot_left'];

export const GYM_TASK_DEFS: Record<GymTaskId, GymTaskDef> = {
  hopper: {
    id: 'hopper',
    title: 'Hopper',
    referenceEnv: 'Hopper-v2',
    gymnasiumEnv: 'Hopper-v4',
    obsDim: 11,
    actDim: 3,
    frameSkip: 4,
    timestep: 0.002,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    health: { z: [0.7, Infinity], pitch: [-0.2, 0.2], stateAbs: 100 },
    obsQvelClip: 10,
    resetNoiseScale: 5e-3,
    qvelNoise: 'uniform',
    heightOffset: 0,
    rootz0: 1.25,
    joints: ['thigh', 'leg', 'foot'],
    gear: [200, 200, 200],
  },
  walker2d: {
    id: 'walker2d',
    title: 'Walker2d',
    referenceEnv: 'Walker2d-v2',
    gymnasiumEnv: 'Walker2d-v4',
    obsDim: 17,
    actDim: 6,
    frameSkip: 4,
    timestep: 0.002,
    ctrlCostWeight: 1e-3,
    healthyReward: 1,
    health: { z: [0.8, 2.0], pitch: [-1, 1] },
    obsQvelClip: 10,
    resetNoiseScale: 5e-3,
    qvelNoise: 'uniform',
    heightOffset: 0,
    rootz0: 1.25,
    joints: WALKER_JOINTS,
    gear: [100, 100, 100, 100, 100, 100],
  },
  halfcheetah: {
    id: 'halfcheetah',
    title: 'HalfCheetah',
    referenceEnv: 'HalfCheetah-v2',
    gymnasiumEnv: 'HalfCheetah-v4',
    obsDim: 17,
    actDim: 6,
    frameSkip: 5,
    timestep: 0.01,
    ctrlCostWeight: 0.1,
    healthyReward: 0,
    health: null,
    obsQvelClip: null,
    resetNoiseScale: 0.1,
    qvelNoise: 'normal',
    heightOffset: 0.7,
    rootz0: 0,
    joints: ['bthigh', 'bshin', 'bfoot', 'fthigh', 'fshin', 'ffoot'],
    gear: [120, 90, 60, 120, 60, 30],
  },
};

export function isGymTaskId(id: string): id is GymTaskId {
  return (GYM_TASKS as readonly string[]).includes(id);
}

/** Seconds per env step: timestep × frame skip, computed as Gymnasium does (`model.opt.timestep * frame_skip`). */
export function gymControlDt(def: GymTaskDef): number {
  return def.timestep * def.frameSkip;
}

/** Names of the observation dimensions [Do]: qpos[1:] then qvel, with units. */
export function gymObsNames(def: GymTaskDef): string[] {
  const joints = def.joints.map((j) => j.replace('_', ' '));
  return [
    def.heightOffset === 0 ? 'torso z (m)' : `torso z − ${def.heightOffset} (m)`,
    'torso pitch (rad)',
    ...joints.map((j) => `${j} angle (rad)`),
    'torso vx (m/s)',
    'torso vz (m/s)',
    'torso pitch rate (rad/s)',
    ...joints.map((j) => `${j} rate (rad/s)`),
  ];
}

/** The observation of the noise-free reset pose (qpos0, zero velocity): the inspector's start state. */
export function gymRestObs(def: GymTaskDef): number[] {
  const obs = new Array<number>(def.obsDim).fill(0);
  obs[0] = def.rootz0;
  return obs;
}
