/**
 * Scenes the viewer's sim worker can show: the demo (tasks/demo), or any task whose family has a viewer
 * driver. A task scene is a one-env VecEnv (the in-process VectorEnv, stepped one action per chunk) driven in
 * real time by the family's driver: its idle motion, or the replay of a trace path sent by the page (one env
 * of the current iteration). At the end of an episode it holds the last pose briefly, then resets, so the
 * scene stays alive. While a run streams one env's actions (`followLive`, liveFollow.ts) the scene replays
 * that env live instead, until `endLive`, a reset, a trace replay or another scene.
 */
import type { Mujoco } from './mujoco';
import { taskFamily } from './registry';
import type { LiveScene, SceneDesc } from './sceneDesc';
import { DemoScene } from './tasks/demo/demoScene';
import { LiveReplay, type LiveSteps } from './liveFollow';
import type { Env, ViewerDriver } from './types';
import { VectorEnv } from './vectorEnv';

/** Env steps to hold the final pose before the replay restarts. */
const HOLD_STEPS = 30;

class TaskScene implements LiveScene {
  readonly desc: SceneDesc;
  private readonly venv: VectorEnv;
  private readonly env: Env;
  private readonly dt: number;
  private readonly driver: ViewerDriver;
  private follow_: Float32Array | null = null;
  private episode: { next(): Float32Array | null } | null = null;
  private hold = 0;
  private pending = 0;
  private steps = 0;
  private seed: number;
  /** Live follow of a run's env (null: the driver's idle motion or trace replay). */
  private live: LiveReplay | null = null;

  constructor(mj: Mujoco, taskId: string, seed: number) {
    const family = taskFamily(taskId);
    if (!family.viewer) throw new Error(`task ${taskId} has no viewer scene`);
    this.driver = family.viewer;
    this.seed = seed;
    this.venv = new VectorEnv({ taskId, nEnvs: 1, actSteps: 1, seed }, (id) => family.createEnv(id, { mujoco: mj }));
    this.env = this.venv.env(0);
    if (!this.env.scene || !this.env.poses) {
      this.venv.dispose();
      throw new Error(`task ${taskId} has no 3-D scene`);
    }
    this.dt = this.env.spec.controlDt;
    this.desc = family.viewer.trackCamera ? { ...this.env.scene(), trackCamera: true } : this.env.scene();
    this.reset(seed);
  }

  get time(): number {
    return (this.live ? this.live.steps : this.steps) * this.dt;
  }

  reset(seed: number = this.seed): void {
    this.live = null;
    this.seed = seed;
    this.venv.resetSync();
    this.startEpisode();
  }

  follow(targets: Float32Array): void {
    this.follow_ = targets.length > 0 ? targets : null;
    this.reset();
  }

  followLive(steps: LiveSteps): void {
    this.live ??= new LiveReplay(this.env, this.dt);
    this.live.push(steps);
  }

  endLive(): void {
    if (this.live) this.reset();
  }

  advance(seconds: number): void {
    if (this.live) {
      this.live.advance(seconds);
      return;
    }
    this.pending += seconds / this.dt;
    const n = Math.floor(this.pending + 1e-9);
    this.pending -= n;
    for (let i = 0; i < n; i++) this.stepOnce();
  }

  readPoses(out: Float32Array): Float32Array {
    return this.env.poses!(out);
  }

  dispose(): void {
    this.venv.dispose();
  }

  private startEpisode(): void {
    this.hold = 0;
    this.pending = 0;
    this.steps = 0;
    this.episode = this.driver.start(this.env, this.follow_);
  }

  private stepOnce(): void {
    const action = this.hold === 0 ? this.episode?.next() ?? null : null;
    if (action === null) {
      if (++this.hold >= HOLD_STEPS) {
        this.venv.resetSync();
        this.startEpisode();
      }
      return;
    }
    // Auto-reset happens inside the chunk step; the episode ends for the driver when the env says so.
    const res = this.venv.stepChunkSync(action, 1);
    this.steps++;
    if (res.terminated[0] || res.truncated[0]) this.startEpisode();
  }
}

/** Creates a scene for the viewer (the caller owns it and disposes it): 'demo' or a task id. */
export function createViewerScene(mj: Mujoco, name: string, seed: number): LiveScene {
  return name === 'demo' ? new DemoScene(mj, seed) : new TaskScene(mj, name, seed);
}
