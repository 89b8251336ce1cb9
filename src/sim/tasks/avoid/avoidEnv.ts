/**
 * D3IL Avoid environment, `avoiding-m5` semantics (spec/dppo-reference.md §7.3; spec/ecosystem.md §2c).
 *   obs    [4] = [desired x, desired y, tip x, tip y] (raw)
 *   action [2] = delta added to the desired xy (raw, about ±0.01)
 * One step: desired += action → IK joint targets → 35 × mj_step (dt 1 ms) → mode bookkeeping → M5
 * reward. Reset is deterministic (start tip (0.525, −0.28, 0.12)). Truncation at 100 steps, never
 * terminated (the DPPO d3il wrapper returns done = False).
 *
 * Differences from the reference env, on purpose: the reference returns the observation and reward
 * computed *before* the step's physics (a one-step lag, GymEnvWrapper with block=False); here both are
 * computed after it, so obs_t = [d_t, x_t] matches the dataset definition (§6.3). Modes are updated
 * before the reward, so the mode-5 bonus starts on the crossing step.
 */
import { InternalError, assertFinite } from '../../../core/errors';
import { DownwardServoController, solveDownwardPosture } from '../../control/downwardServo';
import { PandaChain } from '../../control/pandaKinematics';
import { MjEnv } from '../../mjEnv';
import type { Mujoco } from '../../mujoco';
import type { EnvSpec, SimState, StepInfo, StepResult } from '../../types';
import { ACTION_SCALE, MAX_EPISODE_STEPS, N_SUBSTEPS, PHYSICS_DT, START_POS, TOOL_Z } from './layout';
import { buildAvoidMjcf, ROBOT_BASE, TOOL_OFFSET } from './mjcf';
import { AvoidModeTracker } from './modes';
import { m5Reward, rodHitsPillar } from './reward';

export const AVOID_OBS_DIM = 4;
export const AVOID_ACT_DIM = 2;

/** Info of an Avoid step (StepInfo-compatible). */
export interface AvoidInfo extends StepInfo {
  /** 9-bit mask of the modes passed so far (modes.ts). */
  modeBits: number;
  /** Row-3 gap passed (5..8) or −1. */
  row3Mode: number;
  /** The rod has touched a pillar in this episode (the −0.1 penalty is permanent). */
  collided: boolean;
  /** Env steps taken in this episode. */
  steps: number;
}

export interface AvoidEnvOptions {
  /** Task id reported in the spec (the three Avoid ids share this env, §7.3). */
  taskId?: string;
  /** Truncation horizon (default 100, §7.3). */
  maxEpisodeSteps?: number;
  /** `<size memory>` of each MjData (default "128K"; ≥ 64 envs fit one module instance). */
  memory?: string;
}

const chain = new PandaChain(ROBOT_BASE, TOOL_OFFSET);
let startPosture: Float64Array | null = null;

/** Joint configuration of the reset pose (solved once per thread, deterministic). */
export function avoidStartPosture(): Float64Array {
  startPosture ??= solveDownwardPosture(chain, START_POS[0], START_POS[1], START_POS[2]);
  return startPosture;
}

export function avoidSpec(taskId: string, maxEpisodeSteps = MAX_EPISODE_STEPS): EnvSpec {
  return {
    taskId,
    obsDim: AVOID_OBS_DIM,
    actDim: AVOID_ACT_DIM,
    actLow: [-ACTION_SCALE, -ACTION_SCALE],
    actHigh: [ACTION_SCALE, ACTION_SCALE],
    controlDt: N_SUBSTEPS * PHYSICS_DT,
    maxEpisodeSteps,
    bestRewardThresholdForSuccess: 2,
  };
}

export class AvoidEnv extends MjEnv {
  readonly spec: EnvSpec;
  private readonly controller: DownwardServoController;
  private readonly modes = new AvoidModeTracker();
  private readonly tipSite: number;
  private qpos: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private qvel: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private ctrl: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private siteXpos: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private desiredX: number = START_POS[0];
  private desiredY: number = START_POS[1];
  private collided = false;
  private steps = 0;
  private started = false;

  constructor(mj: Mujoco, opts: AvoidEnvOptions = {}) {
    super(mj, buildAvoidMjcf({ memory: opts.memory ?? '128K' }), 'Avoid environment');
    this.spec = avoidSpec(opts.taskId ?? 'avoid-m2', opts.maxEpisodeSteps ?? MAX_EPISODE_STEPS);
    try {
      this.tipSite = mj.mj_name2id(this.model, mj.mjtObj.mjOBJ_SITE.value, 'tip');
      this.syncViews();
      this.controller = new DownwardServoController(chain, avoidStartPosture());
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
    this.siteXpos = data.site_xpos as Float64Array;
  }

  /** Deterministic reset to the start pose; the seed is accepted for the Env contract and unused. */
  reset(_seed = 0): Float32Array {
    this.assertLive();
    this.syncViews();
    const q0 = avoidStartPosture();
    this.mj.mj_resetData(this.model, this.data);
    this.qpos.set(q0);
    this.qvel.fill(0);
    this.ctrl.set(q0);
    this.controller.reset(q0);
    this.mj.mj_forward(this.model, this.data);
    // The reference sets the first desired position to the measured tip position.
    this.desiredX = this.tipX;
    this.desiredY = this.tipY;
    this.modes.reset();
    this.collided = false;
    this.steps = 0;
    this.started = true;
    return this.observe();
  }

  step(action: Float32Array): StepResult {
    this.assertLive();
    if (!this.started) throw new InternalError('Avoid environment: call reset() before step().');
    if (action.length !== AVOID_ACT_DIM) throw new InternalError(`Avoid environment: action must have ${AVOID_ACT_DIM} values, got ${action.length}.`);
    assertFinite(action, 'Avoid action');
    this.syncViews();
    this.desiredX += action[0];
    this.desiredY += action[1];
    this.controller.command(this.desiredX, this.desiredY, TOOL_Z);
    this.ctrl.set(this.controller.qTarget);
    const { mj } = this;
    const model = this.model;
    const data = this.data;
    for (let k = 0; k < N_SUBSTEPS; k++) mj.mj_step(model, data);
    this.steps++;
    const x = this.tipX;
    const y = this.tipY;
    this.modes.update(x, y);
    if (!this.collided && rodHitsPillar(x, y)) this.collided = true;
    const reward = m5Reward(x, y, this.collided, this.modes.bits);
    return {
      obs: this.observe(),
      reward,
      terminated: false,
      truncated: this.steps >= this.spec.maxEpisodeSteps,
      info: this.info(),
    };
  }

  /** Current episode bookkeeping (also returned with every step). */
  info(): AvoidInfo {
    return { modeBits: this.modes.bits, row3Mode: this.modes.row3Mode, collided: this.collided, steps: this.steps };
  }

  /** Tip (controlled point) xy. */
  tracePoint(): [number, number] {
    this.assertLive();
    this.syncViews();
    return [this.tipX, this.tipY];
  }

  /** Trajectory-view point [2]: the tip xy (paper Fig. 9). */
  trace(out: Float32Array): void {
    this.assertLive();
    this.syncViews();
    out[0] = this.tipX;
    out[1] = this.tipY;
  }

  /** Joint positions and velocities of the arm (copied). */
  state(): SimState {
    this.assertLive();
    this.syncViews();
    return { qpos: Float64Array.from(this.qpos), qvel: Float64Array.from(this.qvel) };
  }

  /** Tip position [3] (world), copied. */
  tipPosition(): [number, number, number] {
    this.assertLive();
    this.syncViews();
    const i = 3 * this.tipSite;
    return [this.siteXpos[i], this.siteXpos[i + 1], this.siteXpos[i + 2]];
  }

  /** Commanded (desired) xy. */
  desired(): [number, number] {
    return [this.desiredX, this.desiredY];
  }

  /** Raw observation [4] = [desired xy, tip xy]. */
  observe(out?: Float32Array): Float32Array {
    this.assertLive();
    this.syncViews();
    const obs = out ?? new Float32Array(AVOID_OBS_DIM);
    obs[0] = this.desiredX;
    obs[1] = this.desiredY;
    obs[2] = this.tipX;
    obs[3] = this.tipY;
    return obs;
  }

  protected override onDispose(): void {
    const empty = new Float64Array(0);
    this.qpos = this.qvel = this.ctrl = this.siteXpos = empty;
  }

  private get tipX(): number {
    return this.siteXpos[3 * this.tipSite];
  }

  private get tipY(): number {
    return this.siteXpos[3 * this.tipSite + 1];
  }
}
