/**
 * Engine contracts for environments (design/architecture.md §3). Observations and actions here are RAW
 * (task units); normalisation to [-1, 1] (spec §6.2) happens in VectorEnv with the policy's Normalizer.
 */

/** Registered tasks: the Avoid study, plus `two-goals`, a MuJoCo-free toy with a known optimum for tests. */
export type TaskId = 'avoid-m1' | 'avoid-m2' | 'avoid-m3' | 'two-goals';

export interface EnvSpec {
  readonly taskId: string;
  /** Do */
  readonly obsDim: number;
  /** Da */
  readonly actDim: number;
  /** Seconds of simulated time per env step (Avoid: 35 × 1 ms). */
  readonly controlDt: number;
  /** Truncation horizon in env steps (Avoid: 100). */
  readonly maxEpisodeSteps: number;
  /** Success if the best chunk's mean per-step reward ≥ this (spec §4.2; Avoid 2). */
  readonly bestRewardThresholdForSuccess: number;
}

export interface StepInfo {
  /** Task-specific scalars (e.g. Avoid: mode bits passed so far, collided flag). */
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

/** One simulated environment. Owns its MuJoCo objects; dispose() frees them exactly once. */
export interface Env {
  readonly spec: EnvSpec;
  /** Starts an episode; returns the raw observation [Do]. */
  reset(seed: number): Float32Array;
  /** One env step with a raw action [Da]. */
  step(action: Float32Array): StepResult;
  /** Body/geom poses for the viewer: geom_xpos (ngeom×3) then geom_xmat (ngeom×9), copied out. */
  poses?(): Float32Array;
  /** Tip/end-effector position in the plane, for trajectory plots. */
  tracePoint?(): [number, number];
  dispose(): void;
}

/** Result of one chunk step of a vector env (spec §7.6, MultiStep wrapper). Arrays are [nEnvs]. */
export interface ChunkStepResult {
  /** Normalised observation after the chunk (first obs of the new episode where an env auto-reset), [n, Do]. */
  obs: Float32Array;
  /** Sum of the executed sub-step rewards, [n]. */
  reward: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** Trace points of every executed sub-step, [n, actSteps, 2] (NaN-free; repeats the last point after a done). */
  trace?: Float32Array;
  /** Per-env task info at the end of the chunk (before auto-reset). */
  info: StepInfo[];
}
