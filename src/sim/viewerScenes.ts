/**
 * Scenes the viewer's sim worker can show: the demo (tasks/demo) and the Avoid task env, driven in real
 * time. Avoid replays either a path sent by the page (SimRequest 'follow': one env's tip path of the
 * current iteration, flat [x0, y0, x1, y1, …]) or, until one arrives, a collision-free mode-5 route; it
 * loops (hold, reset, replay) so the scene stays alive.
 */
import { MjEnv } from './mjEnv';
import type { Mujoco } from './mujoco';
import { getTask } from './registry';
import { describeScene, type LiveScene } from './sceneDesc';
import { DemoScene } from './tasks/demo/demoScene';
import { ACTION_SCALE } from './tasks/avoid/layout';
import { MODE5_ROUTE, straightLineActions } from './tasks/avoid/testPaths';
import type { AvoidEnv } from './tasks/avoid/avoidEnv';
import type { SceneDesc } from '../workers/protocol';

export type ViewerSceneName = 'demo' | 'avoid';

/** A followed path may move the desired point at most this much per env step (3× the action scale). */
const MAX_FOLLOW_STEP = 3 * ACTION_SCALE;
/** Env steps to hold the final pose before the replay restarts. */
const HOLD_STEPS = 30;

class AvoidScene implements LiveScene {
  readonly desc: SceneDesc;
  private readonly env: AvoidEnv;
  private readonly dt: number;
  /** Tip path to replay, flat [x, y, …], or null for the built-in route. */
  private targets: Float32Array | null = null;
  /** Built-in route from the reset pose (recomputed on reset). */
  private idleActions: Float32Array[] = [];
  private cursor = 0;
  private hold = 0;
  private pending = 0;
  private steps = 0;

  constructor(mj: Mujoco) {
    const env = getTask('avoid-m2').create(mj);
    if (!(env instanceof MjEnv)) {
      env.dispose();
      throw new Error('the Avoid env does not expose its MuJoCo model');
    }
    this.env = env as AvoidEnv;
    this.dt = env.spec.controlDt;
    this.desc = describeScene(this.env.model, 'avoid');
    this.reset();
  }

  get time(): number {
    return this.steps * this.dt;
  }

  reset(): void {
    this.env.reset(0);
    this.cursor = 0;
    this.hold = 0;
    this.pending = 0;
    this.steps = 0;
    const [dx, dy] = this.env.desired();
    this.idleActions = straightLineActions([dx, dy], MODE5_ROUTE, ACTION_SCALE);
  }

  follow(targets: Float32Array): void {
    this.targets = targets.length >= 2 ? targets : null;
    this.reset();
  }

  advance(seconds: number): void {
    this.pending += seconds / this.dt;
    const n = Math.floor(this.pending + 1e-9);
    this.pending -= n;
    for (let i = 0; i < n; i++) this.stepOnce();
  }

  readPoses(out: Float32Array): Float32Array {
    return this.env.poses(out);
  }

  dispose(): void {
    this.env.dispose();
  }

  private nextAction(): Float32Array | null {
    if (this.targets) {
      if (2 * this.cursor >= this.targets.length) return null;
      const [dx, dy] = this.env.desired();
      const tx = this.targets[2 * this.cursor];
      const ty = this.targets[2 * this.cursor + 1];
      this.cursor++;
      const clamp = (v: number) => Math.max(-MAX_FOLLOW_STEP, Math.min(MAX_FOLLOW_STEP, v));
      return Float32Array.of(clamp(tx - dx), clamp(ty - dy));
    }
    return this.cursor < this.idleActions.length ? this.idleActions[this.cursor++] : null;
  }

  private stepOnce(): void {
    const action = this.nextAction();
    if (action === null) {
      if (++this.hold >= HOLD_STEPS) this.reset();
      return;
    }
    this.env.step(action);
    this.steps++;
  }
}

/** Creates a scene for the viewer (the caller owns it and disposes it). */
export function createViewerScene(mj: Mujoco, name: ViewerSceneName, seed: number): LiveScene {
  switch (name) {
    case 'demo':
      return new DemoScene(mj, seed);
    case 'avoid':
      return new AvoidScene(mj);
  }
}
