/**
 * Gym locomotion env (Hopper, Walker2d, HalfCheetah) with the v2/v3 semantics of Gymnasium's v4 envs
 * (spec/dppo-reference.md §7.1; the numbers per task are in tasks.ts):
 *   obs    [Do] = [qpos[1:], clip(qvel)]   (raw, float32)
 *   action [Da] = ctrl ∈ [−1, 1] per motor (MuJoCo clamps ctrl to ctrlrange; the ctrl cost uses the
 *                 action as given, as Gymnasium does)
 * One step: ctrl ← action → frameSkip × mj_step → reward = (x_after − x_before)/dt + healthy − w‖a‖²
 * → terminated when unhealthy (Hopper, Walker2d) → truncated after maxEpisodeSteps (Gymnasium's TimeLimit:
 * a step can be both). reset(seed) draws the reset noise from our seeded Rng (not NumPy's generator, so
 * the same seed gives a different start than Gymnasium; tests/parity copies our start state instead).
 *
 * The float order of the reward follows Gymnasium's (`(forward + healthy) − cost`) so an identical state
 * gives a bit-identical reward.
 */
import { InternalError, UserError, assertFinite } from '../../../core/errors';
import { Rng } from '../../../core/rng';
import { MjEnv } from '../../mjEnv';
import type { Mujoco } from '../../mujoco';
import type { EnvSnapshot, EnvSpec, SimState, StepInfo, StepResult } from '../../types';
import { gymMjcf } from './mjcf';
import { GYM_TASK_DEFS, gymControlDt, type GymTaskDef, type GymTaskId } from './tasks';

/** Truncation horizon of every Gym task (the D4RL envs' TimeLimit; DPPO `max_episode_steps`). */
export const GYM_MAX_EPISODE_STEPS = 1000;

/**
 * Success threshold on the best chunk's mean per-step reward (spec §4.2). DPPO's Gym configs set 3 and
 * call the success rate "not relevant for gym tasks"; we keep 3 so runs compare. For scale: a healthy
 * Hopper or Walker2d that stands still earns ≈ 1 per step, so success = some chunk moving forward at
 * ≈ 2 m/s; a HalfCheetah chunk needs ≈ 3 m/s.
 */
export const GYM_SUCCESS_THRESHOLD = 3;

/** Info of a Gym step (StepInfo-compatible); names follow Gymnasium's info keys. */
export interface GymInfo extends StepInfo {
  /** Root x after the step (m). */
  x_position: number;
  /** (x_after − x_before) / dt (m/s). */
  x_velocity: number;
  /** The step ended the episode by falling (Hopper/Walker2d unhealthy); the task's 'fell' tag. */
  fell: boolean;
  /** Env steps taken in this episode. */
  steps: number;
}

export interface GymEnvOptions {
  /** Truncation horizon (default 1000). */
  maxEpisodeSteps?: number;
  /**
   * Multiplier of Gymnasium's reset_noise_scale (default 1): k widens the start to qpos0 + U(±k·s) and
   * qvel U(±k·s) (HalfCheetah k·s·N(0, 1)), the wider initial-state distribution of paper Fig. 12.
   */
  initNoiseScale?: number;
}

export function gymSpec(id: GymTaskId, maxEpisodeSteps = GYM_MAX_EPISODE_STEPS): EnvSpec {
  const def = GYM_TASK_DEFS[id];
  return {
    taskId: id,
    obsDim: def.obsDim,
    actDim: def.actDim,
    actLow: new Array<number>(def.actDim).fill(-1),
    actHigh: new Array<number>(def.actDim).fill(1),
    controlDt: gymControlDt(def),
    maxEpisodeSteps,
    bestRewardThresholdForSuccess: GYM_SUCCESS_THRESHOLD,
  };
}

/** Gymnasium v4's `is_healthy` on the raw (unclipped) state; NaN counts as unhealthy. */
export function isHealthy(def: GymTaskDef, qpos: ArrayLike<number>, qvel: ArrayLike<number>): boolean {
  const h = def.health;
  if (!h) return true;
  const z = qpos[1];
  const pitch = qpos[2];
  if (!(h.z[0] < z && z < h.z[1])) return false;
  if (!(h.pitch[0] < pitch && pitch < h.pitch[1])) return false;
  if (h.stateAbs !== undefined) {
    const m = h.stateAbs;
    for (let i = 2; i < qpos.length; i++) if (!(-m < qpos[i] && qpos[i] < m)) return false;
    for (let i = 0; i < qvel.length; i++) if (!(-m < qvel[i] && qvel[i] < m)) return false;
  }
  return true;
}

export class GymEnv extends MjEnv {
  readonly spec: EnvSpec;
  readonly def: GymTaskDef;
  private readonly dt: number;
  private readonly qpos0: Float64Array;
  /** reset_noise_scale × the options' initNoiseScale. */
  private readonly noiseScale: number;
  private qpos: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private qvel: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private ctrl: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private steps = 0;
  private started = false;
  private _terminated = false;

  constructor(mj: Mujoco, id: GymTaskId, opts: GymEnvOptions = {}) {
    const def = GYM_TASK_DEFS[id];
    if (!def) throw new InternalError(`Unknown Gym task "${id}".`);
    super(mj, gymMjcf(id), `${def.title} environment`);
    this.def = def;
    this.spec = gymSpec(id, opts.maxEpisodeSteps ?? GYM_MAX_EPISODE_STEPS);
    this.dt = gymControlDt(def);
    const k = opts.initNoiseScale ?? 1;
    if (!Number.isFinite(k) || k < 0) throw new InternalError(`${def.title} environment: initNoiseScale must be finite and ≥ 0, got ${k}.`);
    this.noiseScale = def.resetNoiseScale * k;
    try {
      const model = this.model;
      if (model.nu !== def.actDim || model.nq - 1 + model.nv !== def.obsDim) {
        throw new Error(`${def.title} MJCF compiled to nq ${model.nq}, nv ${model.nv}, nu ${model.nu}; expected obs ${def.obsDim}, act ${def.actDim}.`);
      }
      this.qpos0 = Float64Array.from(model.qpos0 as Float64Array);
      this.syncViews();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  protected override bindViews(): void {
    const data = this.data;
    this.qpos = data.qpos as Float64Array;
    this.qvel = data.qvel as Float64Array;
    this.ctrl = data.ctrl as Float64Array;
  }

  /**
   * Gymnasium's reset: mj_resetData, then qpos = qpos0 + U(±s) and qvel = U(±s) (HalfCheetah: s·N(0, 1)),
   * all qpos draws before the qvel draws, then mj_forward. The noise comes from Rng(seed); s is
   * reset_noise_scale times the initNoiseScale option (so one seed gives the same draws, scaled).
   */
  reset(seed = 0): Float32Array {
    this.assertLive();
    this.syncViews();
    const { def } = this;
    const rng = new Rng(seed);
    const s = this.noiseScale;
    this.mj.mj_resetData(this.model, this.data);
    for (let i = 0; i < this.qpos.length; i++) this.qpos[i] = this.qpos0[i] + rng.range(-s, s);
    for (let i = 0; i < this.qvel.length; i++) this.qvel[i] = def.qvelNoise === 'uniform' ? rng.range(-s, s) : s * rng.normal();
    this.mj.mj_forward(this.model, this.data);
    this.steps = 0;
    this._terminated = false;
    this.started = true;
    return this.observe();
  }

  /** Sets the full state (Gymnasium's `set_state`: qpos, qvel, then mj_forward); starts a new episode count. */
  setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): Float32Array {
    this.assertLive();
    this.syncViews();
    if (qpos.length !== this.qpos.length || qvel.length !== this.qvel.length) {
      throw new UserError(`${this.def.title}: state must have nq ${this.qpos.length} and nv ${this.qvel.length} values.`);
    }
    this.mj.mj_resetData(this.model, this.data);
    this.qpos.set(qpos);
    this.qvel.set(qvel);
    this.mj.mj_forward(this.model, this.data);
    this.steps = 0;
    this._terminated = false;
    this.started = true;
    return this.observe();
  }

  step(action: Float32Array): StepResult {
    this.assertLive();
    const { def } = this;
    if (!this.started) throw new InternalError(`${def.title} environment: call reset() before step().`);
    if (action.length !== def.actDim) throw new InternalError(`${def.title} environment: action must have ${def.actDim} values, got ${action.length}.`);
    assertFinite(action, `${def.title} action`);
    this.syncViews();
    const { mj } = this;
    const model = this.model;
    const data = this.data;
    const xBefore = this.qpos[0];
    this.ctrl.set(action);
    for (let k = 0; k < def.frameSkip; k++) mj.mj_step(model, data);
    const xAfter = this.qpos[0];
    this.steps++;

    const xVelocity = (xAfter - xBefore) / this.dt;
    let sumSq = 0;
    for (let i = 0; i < action.length; i++) sumSq += action[i] * action[i];
    const ctrlCost = def.ctrlCostWeight * sumSq;
    const reward = def.health ? xVelocity + def.healthyReward - ctrlCost : xVelocity - ctrlCost;
    const terminated = !isHealthy(def, this.qpos, this.qvel);
    this._terminated = terminated;
    const info: GymInfo = { x_position: xAfter, x_velocity: xVelocity, fell: terminated, steps: this.steps };
    return {
      obs: this.observe(),
      reward,
      terminated,
      truncated: this.steps >= this.spec.maxEpisodeSteps,
      info,
    };
  }

  /** Whether the last step ended the episode by falling (false right after a reset). */
  get terminated(): boolean {
    return this._terminated;
  }

  /** Env steps taken since the last reset. */
  get episodeSteps(): number {
    return this.steps;
  }

  /** Raw observation [Do] = [qpos[1:], qvel clipped to ±10 for Hopper/Walker2d]. */
  observe(out?: Float32Array): Float32Array {
    this.assertLive();
    this.syncViews();
    const obs = out ?? new Float32Array(this.def.obsDim);
    const nq = this.qpos.length;
    for (let i = 1; i < nq; i++) obs[i - 1] = this.qpos[i];
    const c = this.def.obsQvelClip;
    for (let i = 0; i < this.qvel.length; i++) {
      const v = this.qvel[i];
      obs[nq - 1 + i] = c === null ? v : v < -c ? -c : v > c ? c : v;
    }
    return obs;
  }

  /** Trajectory point [2] = [torso x (forward progress), torso height] in metres. */
  trace(out: Float32Array): void {
    this.assertLive();
    this.syncViews();
    out[0] = this.qpos[0];
    out[1] = this.qpos[1] + this.def.heightOffset;
  }

  /** qpos [nq] and qvel [nv], copied, in Gymnasium's layout (the same joint order). */
  state(): SimState {
    this.assertLive();
    this.syncViews();
    return { qpos: Float64Array.from(this.qpos), qvel: Float64Array.from(this.qvel) };
  }

  /**
   * mj_getState(mjSTATE_INTEGRATION) — time, qpos, qvel, act, warm-start accelerations, controls, applied
   * forces, mocap, userdata and plugin state: everything mj_step reads (MuJoCo docs, "State and control") —
   * plus the episode's step count and flags.
   */
  snapshot(): EnvSnapshot {
    this.assertLive();
    const { mj } = this;
    const sig = mj.mjtState.mjSTATE_INTEGRATION.value;
    const buf = new mj.DoubleBuffer(mj.mj_stateSize(this.model, sig));
    try {
      mj.mj_getState(this.model, this.data, buf, sig);
      const mjState = Array.from(buf.GetView() as Float64Array);
      return { task: this.spec.taskId, mjState, steps: this.steps, terminated: this._terminated, started: this.started };
    } finally {
      buf.delete();
    }
  }

  restore(s: EnvSnapshot): void {
    this.assertLive();
    const { mj } = this;
    const sig = mj.mjtState.mjSTATE_INTEGRATION.value;
    const n = mj.mj_stateSize(this.model, sig);
    const mjState = s.mjState;
    if (s.task !== this.spec.taskId || !Array.isArray(mjState) || mjState.length !== n || typeof s.steps !== 'number') {
      throw new UserError(`${this.def.title}: the saved env state is not one of this task (${n} MuJoCo state values expected).`);
    }
    this.syncViews();
    mj.mj_setState(this.model, this.data, mjState, sig);
    this.steps = s.steps;
    this._terminated = s.terminated === true;
    this.started = s.started === true;
  }

  protected override onDispose(): void {
    const empty = new Float64Array(0);
    this.qpos = this.qvel = this.ctrl = empty;
  }
}
