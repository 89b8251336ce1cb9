/**
 * "Two goals": a point mass in the plane with a known optimum, for learning tests and quick demos. It starts
 * at the origin and moves by the action (a clamped xy delta) each step. Two goals sit at (±0.5, 0.5); only
 * the right one pays: +1 per step while within `GOAL_RADIUS` of it, else 0. Episodes last 20 steps and are
 * truncated (never terminated). Demonstrations go to either goal, so BC yields a ~50 % policy and RL must
 * shift the mass to the paying mode — the Avoid study in miniature (paper §6).
 * Pure TypeScript (no MuJoCo): nothing to free, but dispose() is honoured.
 */
import type { Rng } from '../../../core/rng';
import type { Env, EnvSnapshot, EnvSpec, StepResult } from '../../types';

export const TWO_GOALS = {
  goals: [
    [-0.5, 0.5],
    [0.5, 0.5],
  ] as const,
  payingGoal: 1,
  goalRadius: 0.2,
  maxStep: 0.1,
  maxEpisodeSteps: 20,
};

export const TWO_GOALS_SPEC: EnvSpec = {
  taskId: 'two-goals',
  obsDim: 2,
  actDim: 2,
  actLow: [-TWO_GOALS.maxStep, -TWO_GOALS.maxStep],
  actHigh: [TWO_GOALS.maxStep, TWO_GOALS.maxStep],
  controlDt: 0.05,
  maxEpisodeSteps: TWO_GOALS.maxEpisodeSteps,
  bestRewardThresholdForSuccess: 1,
};

export class TwoGoalsEnv implements Env {
  readonly spec = TWO_GOALS_SPEC;
  private x = 0;
  private y = 0;
  private steps = 0;
  private disposed = false;

  reset(_seed: number): Float32Array {
    this.check();
    this.x = 0;
    this.y = 0;
    this.steps = 0;
    return Float32Array.of(this.x, this.y);
  }

  step(action: Float32Array): StepResult {
    this.check();
    const m = TWO_GOALS.maxStep;
    const dx = Math.max(-m, Math.min(m, Number.isFinite(action[0]) ? action[0] : 0));
    const dy = Math.max(-m, Math.min(m, Number.isFinite(action[1]) ? action[1] : 0));
    this.x += dx;
    this.y += dy;
    this.steps++;
    const [gx, gy] = TWO_GOALS.goals[TWO_GOALS.payingGoal];
    const reward = Math.hypot(this.x - gx, this.y - gy) < TWO_GOALS.goalRadius ? 1 : 0;
    const side = Math.hypot(this.x - TWO_GOALS.goals[0][0], this.y - TWO_GOALS.goals[0][1]) < TWO_GOALS.goalRadius ? 0 : reward > 0 ? 1 : -1;
    return {
      obs: Float32Array.of(this.x, this.y),
      reward,
      terminated: false,
      truncated: this.steps >= TWO_GOALS.maxEpisodeSteps,
      info: { goal: side },
    };
  }

  trace(out: Float32Array): void {
    out[0] = this.x;
    out[1] = this.y;
  }

  snapshot(): EnvSnapshot {
    this.check();
    return { x: this.x, y: this.y, steps: this.steps };
  }

  restore(s: EnvSnapshot): void {
    this.check();
    const { x, y, steps } = s;
    if (typeof x !== 'number' || typeof y !== 'number' || typeof steps !== 'number') throw new Error('TwoGoalsEnv.restore: not a two-goals snapshot.');
    this.x = x;
    this.y = y;
    this.steps = steps;
  }

  dispose(): void {
    this.disposed = true;
  }

  private check(): void {
    if (this.disposed) throw new Error('TwoGoalsEnv used after dispose()');
  }
}

/**
 * Scripted demonstrations: straight-ish paths to a goal chosen uniformly (bimodal), speed 0.06–0.09 per step
 * with small noise, then holding at the goal. Returns raw obs [T,2], actions [T,2] and episode lengths.
 */
export function twoGoalsDemos(nEpisodes: number, rng: Rng): { states: Float32Array; actions: Float32Array; trajLengths: Int32Array; goals: Int32Array } {
  const T = TWO_GOALS.maxEpisodeSteps;
  const states = new Float32Array(nEpisodes * T * 2);
  const actions = new Float32Array(nEpisodes * T * 2);
  const goals = new Int32Array(nEpisodes);
  for (let e = 0; e < nEpisodes; e++) {
    const g = rng.uniform() < 0.5 ? 0 : 1;
    goals[e] = g;
    const [gx, gy] = TWO_GOALS.goals[g];
    const speed = 0.06 + 0.03 * rng.uniform();
    let x = 0;
    let y = 0;
    for (let t = 0; t < T; t++) {
      const k = (e * T + t) * 2;
      states[k] = x;
      states[k + 1] = y;
      const d = Math.hypot(gx - x, gy - y);
      const s = Math.min(speed, d);
      const ax = d > 1e-9 ? ((gx - x) / d) * s + 0.005 * rng.normal() : 0.005 * rng.normal();
      const ay = d > 1e-9 ? ((gy - y) / d) * s + 0.005 * rng.normal() : 0.005 * rng.normal();
      actions[k] = ax;
      actions[k + 1] = ay;
      x += ax;
      y += ay;
    }
  }
  return { states, actions, trajLengths: new Int32Array(nEpisodes).fill(T), goals };
}
