/**
 * The Gym locomotion family (spec/dppo-reference.md §7.1): Hopper, Walker2d and HalfCheetah with the
 * v2/v3 semantics DPPO fine-tunes on (`*-medium-v2`), checked step by step against Gymnasium's v4 envs by
 * tests/parity. Env: gymEnv.ts; models: mjcf.ts; per-task numbers: tasks.ts; presets and networks:
 * presets.ts.
 *
 * Networks and inspector defaults are per task (obs/act 11/3, 17/6, 17/6).
 */
import type { BundledAsset, Env, InspectorDefaults, TaskFamily, TaskId, TaskInfo } from '../../types';
import { GymEnv, gymSpec } from './gymEnv';
import { gymMjcf } from './mjcf';
import { gymNativeRule } from './native';
import { gymCritic, gymDiffusionActor, gymExpertPreset, gymGaussianActor, gymGmmActor, gymLaptopPreset, gymReferencePreset } from './presets';
import { GYM_TASK_DEFS, GYM_TASKS, gymObsNames, gymRestObs, isGymTaskId, type GymTaskDef, type GymTaskId } from './tasks';

const DESCRIPTIONS: Record<GymTaskId, string> = {
  hopper: 'Gym Hopper (one-legged hopper, obs 11, act 3): run forward without falling; 1,000-step episodes.',
  walker2d: 'Gym Walker2d (planar biped, obs 17, act 6): walk forward without falling; 1,000-step episodes.',
  halfcheetah: 'Gym HalfCheetah (planar cheetah, obs 17, act 6): run forward; never terminates, 1,000-step episodes.',
};

const tasks: TaskInfo[] = GYM_TASKS.map((id) => ({
  id,
  description: DESCRIPTIONS[id],
  referenceEnv: GYM_TASK_DEFS[id].referenceEnv,
  spec: gymSpec(id),
}));

/**
 * Bundled files under public/ (docs/datasets-gym.md has the commands that rebuild them): our own "medium"
 * datasets — noisy rollouts of a Gaussian policy trained from scratch with `dppo expert`, in DPPO's npz —
 * and the policies behaviour-cloned on them. Tasks whose expert has not been trained yet have none.
 */
const DATASET_TASKS: readonly GymTaskId[] = ['hopper', 'walker2d', 'halfcheetah'];
const PRETRAINED: Partial<Record<GymTaskId, readonly string[]>> = {
  hopper: ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'],
  walker2d: ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'],
  halfcheetah: ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'],
};

const datasets: BundledAsset[] = DATASET_TASKS.flatMap((task) => [
  { id: `builtin:${task}/train`, task, name: 'train', path: `datasets/${task}/train.npz`, kind: 'dataset' as const },
  { id: `builtin:${task}/normalization`, task, name: 'normalization', path: `datasets/${task}/normalization.npz`, kind: 'normalization' as const },
]);
const checkpoints: BundledAsset[] = GYM_TASKS.flatMap((task) =>
  (PRETRAINED[task] ?? []).map((name) => ({ id: `builtin:${task}/${name}`, task, name, path: `checkpoints/${task}/${name}.safetensors`, kind: 'checkpoint' as const })),
);

function gymTask(id: TaskId): GymTaskId {
  if (!isGymTaskId(id)) throw new Error(`"${id}" is not a Gym locomotion task (${GYM_TASKS.join(', ')}).`);
  return id;
}

/** Inspector defaults of one Gym task: the first two motors, normalised torques, the rest pose. */
export function gymInspector(id: TaskId): InspectorDefaults {
  const def = GYM_TASK_DEFS[gymTask(id)];
  return {
    actionDims: [0, 1],
    actionNames: def.joints.map((j) => j.replace('_', ' ')),
    unit: 'torque (normalised)',
    unitScale: 1,
    obsNames: gymObsNames(def),
    startObs: gymRestObs(def),
  };
}

/**
 * Open-loop idle gait for the viewer: a_j(t) = clamp(bias_j + amp_j · sin(2π·hz·t + phase_j·π), ±1) per
 * motor, t = env step × control dt (deterministic, no policy). The parameters were picked by a small
 * random search for steps survived + forward progress: HalfCheetah bounds forward at ≈ 3 m/s; Hopper and
 * Walker2d make a few hops or strides (≈ 100 steps) before they fall and the scene resets.
 */
interface Gait {
  hz: number;
  bias: readonly number[];
  amp: readonly number[];
  /** In units of π. */
  phase: readonly number[];
}

const GAITS: Record<GymTaskId, Gait> = {
  hopper: { hz: 1.46, bias: [0.4, 0.4, -0.1], amp: [0.3, 0.3, 0.8], phase: [0.25, 2, 1.75] },
  walker2d: { hz: 3.5, bias: [0.4, 0, 0, 0.4, 0.4, 0.3], amp: [0.3, 0.6, 0.1, 0.3, 0.3, 0.1], phase: [1, 1.5, 1.25, 0.5, 1.75, 1.75] },
  halfcheetah: { hz: 3.85, bias: [0.5, -0.1, 0.1, -0.5, 0.4, 0.2], amp: [0.8, 0.9, 0.8, 0.6, 0.7, 0.9], phase: [0.5, 1.5, 0.75, 1, 1.25, 0.75] },
};

/** The idle gait's action for env step `step` of a task (raw, in [−1, 1]). */
export function gymIdleAction(def: GymTaskDef, step: number, out = new Float32Array(def.actDim)): Float32Array {
  const g = GAITS[def.id];
  const t = step * def.timestep * def.frameSkip;
  for (let j = 0; j < def.actDim; j++) {
    const a = g.bias[j] + g.amp[j] * Math.sin(2 * Math.PI * g.hz * t + Math.PI * g.phase[j]);
    out[j] = a < -1 ? -1 : a > 1 ? 1 : a;
  }
  return out;
}

function asGym(env: Env): GymEnv {
  if (!(env instanceof GymEnv)) throw new Error('the Gym viewer driver got an env of another task');
  return env;
}

export const gymFamily: TaskFamily = {
  family: 'gym',
  title: 'Gym locomotion',
  tasks,
  needsMujoco: true,
  createEnv(taskId, ctx) {
    if (!ctx.mujoco) throw new Error('the Gym envs need the MuJoCo module');
    return new GymEnv(ctx.mujoco, gymTask(taskId), { maxEpisodeSteps: ctx.maxEpisodeSteps, initNoiseScale: ctx.initNoiseScale });
  },
  initNoise: "Gymnasium's reset_noise_scale: Hopper/Walker2d qpos0 + U(±5e-3) and qvel U(±5e-3); HalfCheetah qpos0 + U(±0.1) and qvel 0.1·N(0, 1)",
  mjcf: (taskId) => gymMjcf(gymTask(taskId)),
  frameSkip: (taskId) => GYM_TASK_DEFS[gymTask(taskId)].frameSkip,
  native: (taskId) => gymNativeRule(GYM_TASK_DEFS[gymTask(taskId)]),
  presets: { reference: gymReferencePreset, laptop: gymLaptopPreset },
  expertPreset: gymExpertPreset,
  networks: { 'diffusion-mlp': gymDiffusionActor, 'gaussian-mlp': gymGaussianActor, 'gmm-mlp': gymGmmActor, critic: gymCritic },
  trajectory: {
    kind: 'series',
    title: 'Forward progress and torso height per env step',
    series: [
      { label: 'forward progress (torso x)', unit: 'm' },
      { label: 'torso height', unit: 'm' },
    ],
  },
  tags: [{ key: 'fell', label: 'fell (dashed)', kind: 'flag' }],
  inspector: gymInspector,
  viewer: {
    // The idle gait carries HalfCheetah out of the default view within seconds: the camera moves with it.
    trackCamera: true,
    // A followed trace (torso x, height) cannot be turned back into torques, so the scene always shows the
    // idle gait; null after a fall or at the horizon ends the episode and the scene resets.
    start(env) {
      const gym = asGym(env);
      let step = 0;
      return {
        next() {
          if (gym.terminated || step >= gym.spec.maxEpisodeSteps) return null;
          return gymIdleAction(gym.def, step++);
        },
      };
    },
  },
  checkpoints,
  datasets,
  bridgeAssets: async () => (await import('./bridgeAssets')).gymBridgeAssets(),
};
