/**
 * Engine contracts for environments and tasks (design/architecture.md §3). Observations and actions here
 * are RAW (task units); normalisation to [-1, 1] (spec §6.2) is a wrapper owned by the training side
 * (train/normalizedVecEnv.ts). Task ids are data: every task family registers itself in `registry.ts`.
 *
 * Legend: n = nEnvs, Ta = chunk length given, Te = actSteps executed, Da = action dim, Do = obs dim,
 * Dt = trace dim of the task's trajectory view, G = number of task tags.
 */
import type { GpuOverrides } from '../config/gpuOverrides';
import type { ExpertConfig } from '../config/expert';
import type { Algo, FinetuneConfig } from '../config/finetune';
import type { CriticConfig, DiffusionMlpConfig, GaussianMlpConfig, GmmMlpConfig } from '../config/model';
import type { Mujoco } from './mujoco';
import type { SceneDesc } from './sceneDesc';
import type { TaskDatasetHints } from './datasetHints';

/** A task id such as `avoid-m2` or `hopper`; which ids exist is what the registry holds. */
export type TaskId = string;

export interface EnvSpec {
  readonly taskId: TaskId;
  /** Do */
  readonly obsDim: number;
  /** Da */
  readonly actDim: number;
  /** Raw action bounds per dimension [Da] (Gym: ±1; Avoid: ±0.01 m per step). Actions are not clipped to them by the env unless it says so. */
  readonly actLow: readonly number[];
  readonly actHigh: readonly number[];
  /** Seconds of simulated time per env step (Avoid: 35 × 1 ms; Hopper: 4 × 2 ms). */
  readonly controlDt: number;
  /** Truncation horizon in env steps (Avoid 100, Gym 1000). */
  readonly maxEpisodeSteps: number;
  /** Success rule (spec §4.2): an episode succeeds if its best chunk's mean per-step reward ≥ this. */
  readonly bestRewardThresholdForSuccess: number;
}

export interface StepInfo {
  /** Task-specific scalars (e.g. Avoid: mode bits passed so far, collided flag). Tags read their values from here. */
  [key: string]: number | boolean;
}

export interface StepResult {
  /** Raw observation after the step, [Do]. */
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/** Full MuJoCo state in the task's native layout (Gymnasium's for Gym tasks): for `dppo trace` and parity checks. */
export interface SimState {
  qpos: Float64Array;
  qvel: Float64Array;
}

/**
 * An env's complete mutable state as JSON-able numbers (Env.snapshot), so a run can be resumed without
 * resetting its envs: restoring it into a fresh env of the same task continues the episode bit for bit.
 */
export interface EnvSnapshot {
  [key: string]: number | boolean | string | number[];
}

/** One simulated environment. Owns its resources (MuJoCo objects); dispose() frees them exactly once. */
export interface Env {
  readonly spec: EnvSpec;
  /** Starts an episode; returns the raw observation [Do]. The seed drives the reset noise. */
  reset(seed: number): Float32Array;
  /** One env step with a raw action [Da]. */
  step(action: Float32Array): StepResult;
  /** Body/geom poses for the viewer: geom_xpos (ngeom×3) then geom_xmat (ngeom×9), copied out. */
  poses?(out?: Float32Array): Float32Array;
  /** The task's trajectory-view point for the current state, [Dt] written into `out` (Avoid: tip xy; Gym: torso x, height). */
  trace?(out: Float32Array): void;
  /** Full simulator state (copied), where the env has one. */
  state?(): SimState;
  /** The viewer's description of the env's model (geoms, meshes), where it has one. */
  scene?(): SceneDesc;
  /** Everything that decides the env's future steps (MuJoCo: mjSTATE_INTEGRATION plus the episode counters), where it can. */
  snapshot?(): EnvSnapshot;
  /** Puts back a `snapshot` of an env of the same task; a snapshot of another task is refused. */
  restore?(s: EnvSnapshot): void;
  dispose(): void;
}

// ------------------------------------------------------------------------------------------ VecEnv

/** Result of one chunk step of a vector env (spec §7.6, MultiStep wrapper). Arrays are per env, RAW units. */
export interface ChunkStepResult {
  /** Raw observation after the chunk (first obs of the new episode where an env auto-reset), [n, Do]. */
  obs: Float32Array;
  /** Sum of the executed sub-step rewards, [n]. */
  reward: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Sub-steps actually executed per env (< Te when the episode ended mid-chunk), [n]. */
  executed: Uint8Array;
  /** Trace points after every executed sub-step, [n, Te, Dt]; after an early stop the last point repeats. */
  trace: Float32Array;
  /** Task tag values at the end of the chunk (before auto-reset), [n, G], in the order of the task's `tags`. */
  tags: Float32Array;
}

/**
 * A vector env's state between chunk steps (VecEnv.snapshot): per-env step and reset counters (they pick the
 * next reset seeds), the last raw observations and each env's own snapshot (null where the env has none).
 */
export interface VecEnvSnapshot {
  taskId: TaskId;
  started: boolean;
  stepCount: number[];
  resetCount: number[];
  rawObs: number[];
  envs: (EnvSnapshot | null)[];
}

export interface VecEnvOptions {
  taskId: TaskId;
  nEnvs: number;
  /** Actions executed per chunk (DPPO act_steps, Te); chunks may be longer (horizon_steps, Ta). */
  actSteps: number;
  /** Env i's k-th reset uses seed + i + k·nEnvs. */
  seed: number;
  /** Override of the task's truncation horizon (env steps); DPPO's `max_episode_steps`. */
  maxEpisodeSteps?: number;
  /**
   * Multiplier of the task's initial-state noise (default 1 = the task's own reset distribution; the
   * robustness study of paper Fig. 12 widens it). A family without `initNoise` refuses any value ≠ 1.
   */
  initNoiseScale?: number;
}

/**
 * A batch of n envs of one task with DPPO's MultiStep semantics (spec §7.6): `stepChunk` executes the
 * first Te actions of every env's chunk, sums rewards, stops an env's chunk early when it is done, reports
 * terminated and truncated separately (truncation is not terminal in GAE) and resets done envs inside the
 * step (reset_within_step). Async, so a worker pool or a remote bridge can implement it. Implementations:
 * the in-process `VectorEnv`, the worker pool (`pool/`), and the bridge client.
 */
export interface VecEnv {
  readonly spec: EnvSpec;
  readonly nEnvs: number;
  /** Te */
  readonly actSteps: number;
  readonly maxEpisodeSteps: number;
  /** Dt: values per trace point (0 when the task has no trajectory view). */
  readonly traceDim: number;
  /** Tag keys, in the order of ChunkStepResult.tags. */
  readonly tagKeys: readonly string[];
  /** Resets every env; returns the raw first observations [n, Do]. */
  reset(): Promise<Float32Array>;
  /**
   * Executes the first Te actions of every chunk.
   * @param actions raw chunks [n, Ta, Da]
   * @param Ta chunk length (≥ Te)
   */
  stepChunk(actions: Float32Array, Ta: number): Promise<ChunkStepResult>;
  /** Optional: the state between chunk steps, for resuming a run (the in-process VectorEnv has it; the worker pool does not). */
  snapshot?(): Promise<VecEnvSnapshot>;
  /** Optional: puts back a `snapshot` taken from a vector env of the same task and size. */
  restore?(s: VecEnvSnapshot): Promise<void>;
  /** Frees every env once; later calls are no-ops, later use throws. */
  dispose(): Promise<void>;
}

// ------------------------------------------------------------------------------------------ tasks

/** A per-step tag declared by a task, read from StepInfo[key] at the end of each chunk; it colours paths. */
export interface TagDef {
  key: string;
  label: string;
  /** 'category' colours a path by value (with `categories`); 'flag' draws the path dashed when ≠ 0. */
  kind: 'category' | 'flag';
  /** value → legend label and CSS colour (category tags). */
  categories?: readonly { value: number; label: string; color: string }[];
}

/** Static shapes drawn under the paths of a plane view, in task units. */
export type PlaneShape =
  | { kind: 'circle'; x: number; y: number; r: number; label?: string }
  | { kind: 'hline'; y: number; label?: string }
  | { kind: 'vline'; x: number; label?: string }
  | { kind: 'point'; x: number; y: number; label?: string };

/**
 * What the trajectory panel draws from the env's trace points (paper Fig. 9 for Avoid):
 * - 'plane': trace[0] against trace[1] (top-down view, Dt = 2);
 * - 'series': every trace dimension against env steps (Gym: forward progress and torso height), one line per env.
 */
export type TrajectoryView =
  | {
      kind: 'plane';
      title: string;
      xLabel: string;
      yLabel: string;
      unit: string;
      /** Visible window [xmin, xmax, ymin, ymax] in task units. */
      window: readonly [number, number, number, number];
      /** Flip the vertical axis so that +y points down the screen (Avoid's table as in Fig. 9). */
      yDown?: boolean;
      shapes: readonly PlaneShape[];
      /** Start point drawn as a marker. */
      start?: readonly [number, number];
      /**
       * A clicked point becomes an inspector state: obs[k] = point[obsFromPoint[k]] (Avoid: desired = tip =
       * the point → [0, 1, 0, 1]). Absent ⇒ clicks pick no state.
       */
      obsFromPoint?: readonly number[];
      /** Where the inspected obs sits in the plane: [obs index of x, obs index of y] (Avoid: tip → [2, 3]). */
      pointFromObs?: readonly [number, number];
    }
  | {
      kind: 'series';
      title: string;
      /** One entry per trace dimension. */
      series: readonly { label: string; unit: string }[];
    };

/** Inspector defaults for a task (action clouds, paper Fig. 11). */
export interface InspectorDefaults {
  /** The two action dimensions plotted first. */
  actionDims: readonly [number, number];
  /** Axis names per action dimension [Da] (e.g. Δx, Δy). */
  actionNames: readonly string[];
  /** Display unit and the factor from raw action units to it (Avoid: m → mm = 1000). */
  unit: string;
  unitScale: number;
  /** Names of the observation dimensions [Do], for the state picker. */
  obsNames: readonly string[];
  /** The state inspected by default (raw obs [Do]), usually the reset state. */
  startObs: readonly number[];
}

/** Named fine-tuning presets of a task: the reference row of spec §4.8 and a laptop row. */
export type PresetName = 'reference' | 'laptop';
export type PresetFn = (task: TaskId, algo: Algo, seed?: number) => FinetuneConfig;

/** Network sizes a task pre-trains with (spec §3.6), per task of the family (dims differ within Gym). */
export interface TaskNetworks {
  'diffusion-mlp': (taskId: TaskId) => DiffusionMlpConfig;
  'gaussian-mlp': (taskId: TaskId) => GaussianMlpConfig;
  'gmm-mlp': (taskId: TaskId) => GmmMlpConfig;
  critic: (taskId: TaskId) => CriticConfig;
}

/** A bundled file under public/, named `builtin:<task>/<name>`. */
export interface BundledAsset {
  id: string;
  task: TaskId;
  name: string;
  /** Relative path under public/ (browser: under the app base). */
  path: string;
  kind: 'checkpoint' | 'dataset' | 'normalization';
}

/**
 * How the viewer's live scene drives a task env: after every reset the scene asks for an episode driver,
 * given the path it should follow (a trace path of the current iteration, flat with Dt values per point)
 * or null for the task's idle motion. The scene holds the last pose and resets when `next` returns null or
 * the episode ends.
 */
export interface ViewerDriver {
  start(env: Env, follow: Float32Array | null): { next(): Float32Array | null };
  /** The camera should move with the bodies (a locomotion task whose body travels out of the default view). */
  trackCamera?: boolean;
}

/** Context an env factory gets: the loaded MuJoCo module for this thread (null for MuJoCo-free tasks). */
export interface EnvContext {
  mujoco: Mujoco | null;
  /** Override of the truncation horizon. */
  maxEpisodeSteps?: number;
  /** Multiplier of the task's initial-state noise (VecEnvOptions.initNoiseScale; checked by the registry before it gets here). */
  initNoiseScale?: number;
}

/** One task of a family (e.g. `avoid-m2` of the Avoid family). */
export interface TaskInfo {
  id: TaskId;
  /** One line for listings (`dppo info`, the task picker). */
  description: string;
  /** Name of the reference env this task reproduces (e.g. `avoiding-m5`, `Hopper-v2`). */
  referenceEnv: string;
  spec: EnvSpec;
}

/**
 * Everything about a task family, in its folder under `src/sim/tasks/<family>/` (design §3). Generic code
 * reaches a task only through this record; adding a family = its folder + one line in `registry.ts`.
 */
/** A family's files for the Python bridge (bridge/dppo_bridge/assets/): file name → text, and task id → tasks.json entry. */
export interface BridgeAssetExport {
  files: Record<string, string>;
  tasks: Record<string, unknown>;
}

export interface TaskFamily {
  family: string;
  /** Human name of the family (task picker group). */
  title: string;
  tasks: readonly TaskInfo[];
  /** The family's task a new user starts with; the first family in the registry that has one sets the app's default experiment. */
  defaultTask?: TaskId;
  /** Whether the env factory needs the MuJoCo module loaded. */
  needsMujoco: boolean;
  /** A new env of one of the family's tasks (the caller owns and disposes it). */
  createEnv(taskId: TaskId, ctx: EnvContext): Env;
  /**
   * Optional: what `EnvContext.initNoiseScale` multiplies in the family's reset, in one line (shown by the
   * robustness study). Absent ⇒ the family has no initial-state noise to widen and the registry refuses a
   * scale ≠ 1 for its tasks; present ⇒ `createEnv` must honour the scale.
   */
  initNoise?: string;
  /** Optional: the MJCF text a task's env compiles (for native-MuJoCo benchmarks and parity checks). */
  mjcf?(taskId: TaskId): string;
  /** Optional: MuJoCo steps per env step of a task (Gym: 4, 4, 5), with `mjcf` for native benchmarks. */
  frameSkip?(taskId: TaskId): number;
  /** Optional: the env rule the native benchmark driver (bench/native_sim.py) reproduces; null if it cannot. */
  native?(taskId: TaskId): NativeRule | null;
  /**
   * Optional: what the Python bridge's native-MuJoCo backend needs to run the family's tasks (MJCF files and one
   * tasks.json entry per task); scripts/export-bridge-assets.ts writes it to bridge/dppo_bridge/assets/.
   * Loaded lazily so the app bundle does not pull it in up front.
   */
  bridgeAssets?(): Promise<BridgeAssetExport>;
  presets: Record<PresetName, PresetFn>;
  /**
   * Optional: values a preset changes when the run trains on a real GPU, with the reason (config/gpuOverrides.ts;
   * never on a software adapter, only values left at the preset's). null = none for this preset.
   */
  gpuOverrides?: (taskId: TaskId, preset: PresetName, algo: Algo) => GpuOverrides | null;
  /** Optional: settings of from-scratch Gaussian PPO (`dppo expert`, train/ppoScratch.ts) for a task of the family. */
  expertPreset?: (taskId: TaskId, seed?: number) => ExpertConfig;
  networks: TaskNetworks;
  trajectory: TrajectoryView | null;
  /** Per-step tags (Avoid: row-3 mode, collided). */
  tags: readonly TagDef[];
  /** Inspector defaults of one of the family's tasks. */
  inspector(taskId: TaskId): InspectorDefaults;
  viewer: ViewerDriver | null;
  checkpoints: readonly BundledAsset[];
  datasets: readonly BundledAsset[];
  /** Optional: how dataset files map to the family's tasks (key orders, naming schemes); see datasetHints.ts. */
  datasetHints?: TaskDatasetHints;
  /** Optional scripted-expert demos (`dppo demos`): raw trajectories of the task. */
  demos?: (taskId: TaskId, episodes: number, seed: number, opts: DemoOptions) => Promise<DemoSet>;
}

export interface DemoOptions {
  ctx: EnvContext;
  /** Called after every simulated episode. */
  onProgress?: (kept: number, attempts: number) => void;
}

/** Scripted-expert demonstrations in RAW units, episodes back to back (DPPO's train.npz layout before normalisation, spec §6.1). */
export interface DemoSet {
  obsDim: number;
  actDim: number;
  /** [T, Do] */
  states: Float32Array;
  /** [T, Da] */
  actions: Float32Array;
  /** [N] */
  trajLengths: Int32Array;
  /** Per-episode labels [N] (Avoid: the 9-bit mode mask). */
  labels?: Int32Array;
  /** Episodes simulated, including the ones a filter dropped. */
  attempts: number;
  /** Task-specific summary for the CLI line (e.g. Avoid: row-3 mode counts). */
  summary: Record<string, number | string | Record<string, number>>;
}

/** What bench/native_sim.py needs besides the XML to drive a task like our env does (JSON-able). */
export interface NativeRule {
  obs_qpos_start: number;
  obs_qvel_clip: number | null;
  reset_noise_scale: number;
  qvel_noise: 'uniform' | 'normal';
  ctrl_cost_weight: number;
  healthy_reward: number;
  /** null bounds are open (JSON has no Infinity). */
  health: { z: [number | null, number | null]; pitch: [number | null, number | null]; state_abs?: number } | null;
}
